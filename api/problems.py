"""Errors as RFC 9457 problem documents (`application/problem+json`): type, title, status,
detail, and `errors` per field — with the same messages as the pages, in the request's
language (docs/API.md#errors).

A refused action (`common.errors.DomainError`) is 422 with the fields it names; a refusal of
`quotes.actions` is answered as the pages answer it (403 for a role too weak, 404 for an offer
no longer the user's to act on, else 409: the offer's state refuses it).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from common.errors import DomainError
from quotes.actions import ActionRefused, Answer

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "tag:ssa-portal,2026:problem:"
NON_FIELD = "non_field_errors"


def problem(status_code: int, *, kind: str, title: str, detail: str = "",
            errors: dict | None = None, code: str = "", headers: dict | None = None) -> Response:
    body = {"type": TYPE_PREFIX + kind, "title": str(title), "status": status_code,
            "detail": str(detail or title)}
    if errors:
        body["errors"] = errors
    if code:
        body["code"] = code
    return Response(body, status=status_code, content_type=PROBLEM_CONTENT_TYPE,
                    headers=headers)


def _field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error detail as flat `field → messages` ("installations.0" for items)."""
    flat: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = NON_FIELD if key in ("non_field_errors", None) and not prefix else (
                f"{prefix}{key}")
            for field, messages in _field_errors(value, f"{name}.").items():
                flat.setdefault(field, []).extend(messages)
            if not isinstance(value, dict | list):
                flat.setdefault(name, []).append(str(value))
            elif isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
                flat.setdefault(name, []).extend(str(v) for v in value)
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            if not prefix:
                flat[NON_FIELD] = [str(item) for item in detail]
            return flat
        for index, item in enumerate(detail):
            if item:
                for field, messages in _field_errors(item, f"{prefix}{index}.").items():
                    flat.setdefault(field, []).extend(messages)
        return flat
    return {prefix.rstrip(".") or NON_FIELD: [str(detail)]}


def domain_problem(error: DomainError) -> Response:
    if isinstance(error, ActionRefused):
        if error.answer == Answer.FORBIDDEN:
            return problem(403, kind="forbidden", title=_("Not allowed"), detail=error.message)
        if error.answer == Answer.NOT_FOUND:
            return problem(404, kind="not-found", title=_("Not found"), detail=error.message,
                           code=error.code)
        return problem(409, kind="refused", title=_("Not possible in this state"),
                       detail=error.message, code=error.code)
    errors = {NON_FIELD if key is None else key: list(messages)
              for key, messages in error.errors.items()}
    return problem(422, kind="refused-input", title=_("The input was refused"),
                   detail=error.message, errors=errors, code=error.code)


_TITLES = {
    400: ("invalid-request", lambda: _("The request is not valid")),
    401: ("unauthenticated", lambda: _("Authentication needed")),
    403: ("forbidden", lambda: _("Not allowed")),
    404: ("not-found", lambda: _("Not found")),
    405: ("method-not-allowed", lambda: _("Method not allowed")),
    406: ("not-acceptable", lambda: _("Not acceptable")),
    415: ("unsupported-media-type", lambda: _("Unsupported media type")),
    429: ("throttled", lambda: _("Too many requests")),
}


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        return domain_problem(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = response.status_code
    kind, title = _TITLES.get(code, ("error", lambda: _("The request failed")))
    headers = {name: value for name, value in response.items()
               if name in ("WWW-Authenticate", "Retry-After", "Allow")}
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        first = next(iter(errors.values()), [""])[0]
        return problem(400, kind="validation", title=_("The input is not valid"),
                       detail=first, errors=errors, headers=headers)
    detail = getattr(exc, "detail", "")
    if isinstance(detail, dict | list):
        detail = next(iter(_field_errors(detail).values()), [""])[0]
    if code == status.HTTP_404_NOT_FOUND and str(detail) == str(exceptions.NotFound.default_detail):
        detail = _("Not found.")
    return problem(code, kind=kind, title=title(), detail=str(detail), headers=headers)


class ProblemsAsJson:
    """A view mixin: problems are JSON whatever renderer the request asked for (the schema's
    YAML, the documentation page's HTML, the PDF)."""

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        if response.status_code >= 400:
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response
