"""The API's documentation page: Swagger UI from drf-spectacular-sidecar (no CDN), its start-up
script served from its own URL (`?script`), since the Content-Security-Policy allows no inline
script. The logged-in session is enough to read it and to try the API from it."""

from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from api.authentication import ApiTokenAuthentication


class ApiDocs(SpectacularSwaggerSplitView):
    authentication_classes = [SessionAuthentication, ApiTokenAuthentication]
    permission_classes = [IsAuthenticated]
