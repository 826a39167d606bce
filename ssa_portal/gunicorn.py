"""gunicorn's configuration (`gunicorn -c python:ssa_portal.gunicorn ssa_portal.wsgi`): its
access log masks the customer's personal acceptance links like every other log
(common/logs.py)."""

from gunicorn.glogging import Logger

from common.logs import mask


class MaskedLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: mask(value) if isinstance(value, str) else value
                for key, value in atoms.items()}


logger_class = MaskedLogger
accesslog = "-"
