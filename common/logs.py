"""Secrets that travel in URLs never reach a log: the customer's personal acceptance link
(`/o/<token>/…`) is masked in Django's request and server logs (a logging filter, installed by
settings.LOGGING) and in gunicorn's access log (`ssa_portal/gunicorn.py`), and error reports
see the masked path."""

import logging
import re

# The personal acceptance link's token (docs/DOMAIN.md#the-acceptance-link).
_SECRET_PATHS = re.compile(r"(/o/)[^/\s?\"']+")
MASK = r"\1…"


def mask(text: str) -> str:
    return _SECRET_PATHS.sub(MASK, text)


class MaskSecrets(logging.Filter):
    """Rewrites a record's message and arguments with the secrets masked (and keeps it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(mask(arg) if isinstance(arg, str) else arg
                                for arg in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: mask(value) if isinstance(value, str) else value
                           for key, value in record.args.items()}
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "path"):
            # Error reports print the request: show them the masked path only.
            request.path = request.path_info = mask(request.path)
            request.META["PATH_INFO"] = mask(request.META.get("PATH_INFO", ""))
        return True
