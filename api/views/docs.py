"""The API's documentation page: Swagger UI from drf-spectacular-sidecar (no CDN), its start-up
script served from its own URL (`?script`), since the Content-Security-Policy allows no inline
script. The logged-in session is enough to read it and to try the API from it; a visitor who is
not logged in is sent to the login page."""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from api.authentication import ApiTokenAuthentication
from api.problems import ProblemsAsJson


class ApiSchema(ProblemsAsJson, SpectacularAPIView):
    """The OpenAPI 3 schema (YAML, or JSON with `?format=json`), for users with a token."""


class ApiDocs(ProblemsAsJson, SpectacularSwaggerSplitView):
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def handle_exception(self, exc):
        if (isinstance(exc, exceptions.NotAuthenticated)
                and "Authorization" not in self.request.headers):
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)
