"""Uploads refused before they are read (docs/SECURITY.md#uploads-and-request-size).

Django never reads more of a body than its declared Content-Length, but it reads all of that,
spooling files to memory or disk, before a form can say "too large". Here:

- `LimitedUploadHandler` (first in FILE_UPLOAD_HANDLERS, with the largest upload the portal
  accepts, SSA_UPLOAD_MAX_BYTES) refuses a multipart body declared larger than its limit plus
  the form's envelope without reading it, and stops storing a file that grows past the limit.
- `limit_upload(max_bytes)` gives one upload view its form's own limit, and answers a body
  declared too large, or a `before` check such as a rate limit, before anything is read —
  before the CSRF check too, which would read the body for its token.

A view reads `too_large(request)` after touching request.POST/FILES and shows its form's
message.
"""

from functools import wraps

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt, csrf_protect

# The multipart headers and the form's other fields (the CSRF token, a few names) around a file.
ENVELOPE_BYTES = 64 * 1024


def declared_length(request) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def too_large(request) -> bool:
    """Whether the request's upload was refused for its size (read request.POST/FILES first)."""
    return getattr(request, "upload_too_large", False)


def _refuse(request) -> None:
    request.upload_too_large = True


class LimitedUploadHandler(FileUploadHandler):
    """Refuses a body declared larger than `max_bytes` plus the envelope without reading it
    (the request then has no fields and no files), and stops storing a file past `max_bytes`.
    The rest of such a body is at most the envelope, so it is drained, not left unread: the
    client gets its answer rather than a reset connection."""

    def __init__(self, request=None, max_bytes: int | None = None):
        super().__init__(request)
        self.max_bytes = settings.SSA_UPLOAD_MAX_BYTES if max_bytes is None else max_bytes

    def refuses(self, content_length: int) -> bool:
        return content_length > self.max_bytes + ENVELOPE_BYTES

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if self.refuses(content_length):
            _refuse(self.request)
            return QueryDict(encoding=encoding), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.max_bytes:
            _refuse(self.request)
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def limit_upload(max_bytes: int, *, before=None):
    """A view's upload limit. For a POST: `before(request)` runs first and may answer (a rate
    limit); a body declared larger than the limit reaches the view unread — no fields, no
    files, `too_large(request)` — and without the CSRF check, as the view only shows its
    message; any other body is checked for CSRF and parsed with the limit."""
    def decorator(view):
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def limited(request, *args, **kwargs):
            if request.method != "POST":
                return protected(request, *args, **kwargs)
            handler = LimitedUploadHandler(request, max_bytes)
            request.upload_handlers = [handler, *(
                other for other in request.upload_handlers
                if not isinstance(other, LimitedUploadHandler))]
            if before is not None:
                answer = before(request)
                if answer is not None:
                    return answer
            if handler.refuses(declared_length(request)):
                _refuse(request)
                return view(request, *args, **kwargs)
            return protected(request, *args, **kwargs)

        return limited

    return decorator
