"""Middleware of the portal's own (docs/SECURITY.md)."""

from django.http import HttpResponse

HEALTH_PATH = "/healthz/"


class HealthCheckMiddleware:
    """Answers the container's health check before anything else: the check asks over plain
    HTTP for 127.0.0.1, which production's HTTPS redirect and ALLOWED_HOSTS would refuse. It
    says only "ok", whatever the Host."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH and request.method in ("GET", "HEAD"):
            return HttpResponse("ok", content_type="text/plain")
        return self.get_response(request)
