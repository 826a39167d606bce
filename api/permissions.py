"""What a token may do: a read-only token reads (GET, HEAD, OPTIONS) and is refused every
write with 403; a read-write token and the session do what the user may do on the pages."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from api.models import ApiToken


class TokenScope(permissions.IsAuthenticated):
    message = _("This API token is read-only; make a read-write token to change anything.")

    def has_permission(self, request, view) -> bool:
        if not super().has_permission(request, view):
            return False
        token = request.auth
        if isinstance(token, ApiToken) and token.read_only:
            return request.method in permissions.SAFE_METHODS
        return True
