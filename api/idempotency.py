"""`Idempotency-Key` on POSTs that write (docs/API.md#idempotency): the first response to a key
is stored with a hash of the request; the same key with the same request gets that response
again (and nothing is done twice), the same key with another request is 422, and a key whose
first request is still running is 409.

Keys belong to the user. Server errors are not stored, so a request that failed that way can
be sent again with the same key.
"""

import functools
import hashlib
import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter

from api.models import IdempotentRequest
from api.problems import problem

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200

KEY_PARAMETER = OpenApiParameter(
    HEADER, str, OpenApiParameter.HEADER, required=False,
    description="A unique key (e.g. a UUID) that makes retrying this POST safe: the same key "
                "with the same body returns the first response again.")


def _canonical(value):
    """The request's data as comparable JSON: files by their SHA-256."""
    if hasattr(value, "lists"):
        return {key: [_canonical(item) for item in items] for key, items in value.lists()}
    if hasattr(value, "read") and hasattr(value, "seek"):
        value.seek(0)
        content = hashlib.sha256(value.read()).hexdigest()
        value.seek(0)
        return {"file": content}
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value


def request_hash(request) -> str:
    payload = {"method": request.method, "path": request.path,
               "data": _canonical(request.data)}
    text = json.dumps(payload, sort_keys=True, cls=DjangoJSONEncoder, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(record: IdempotentRequest):
    from rest_framework.response import Response

    headers = {"Idempotent-Replayed": "true"}
    if record.location:
        headers["Location"] = record.location
    return Response(json.loads(record.body) if record.body else None, status=record.status,
                    headers=headers, content_type=record.content_type or None)


def idempotent(method):
    """Wrap a view's `post`: run it once per key; answer replays from the stored response."""

    @functools.wraps(method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return method(self, request, *args, **kwargs)
        if len(key) > MAX_KEY_LENGTH or not key.isprintable():
            return problem(400, kind="validation", title=_("The input is not valid"),
                           detail=_("An Idempotency-Key is at most 200 printable characters."),
                           errors={HEADER: [_("At most 200 printable characters.")]})
        digest = request_hash(request)
        record = IdempotentRequest.objects.filter(user=request.user, key=key).first()
        if record is None:
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(
                        user=request.user, key=key, request_hash=digest,
                        created_at=timezone.now())
            except IntegrityError:
                record = IdempotentRequest.objects.filter(user=request.user, key=key).first()
                if record is None:
                    raise
            else:
                return _run_once(self, method, record, request, *args, **kwargs)
        if record.request_hash != digest:
            return problem(422, kind="idempotency-key-reused",
                           title=_("Idempotency-Key already used"),
                           detail=_("This Idempotency-Key was used for a different request; "
                                    "use a new key for a new request."))
        if not record.completed:
            return problem(409, kind="idempotency-key-in-use",
                           title=_("Request still in progress"),
                           detail=_("A request with this Idempotency-Key is still being "
                                    "processed; try again shortly."),
                           headers={"Retry-After": "1"})
        return _replay(record)

    wrapper.idempotent = True
    return wrapper


def _run_once(view, method, record, request, *args, **kwargs):
    try:
        response = method(view, request, *args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - answered as the view would answer it, then stored
        try:
            response = view.handle_exception(exc)
        except Exception:
            record.delete()
            raise
    if response.status_code >= 500:
        record.delete()
        return response
    record.completed = True
    record.status = response.status_code
    record.body = "" if response.data is None else json.dumps(response.data,
                                                              cls=DjangoJSONEncoder)
    record.content_type = getattr(response, "content_type", None) or ""
    record.location = response.get("Location", "")[:500]
    record.save(update_fields=["completed", "status", "body", "content_type", "location"])
    return response
