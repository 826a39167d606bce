"""Middleware of the portal's own (docs/SECURITY.md)."""

from django.http import HttpResponse
from django.utils.cache import patch_cache_control

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


class PrivateCacheControlMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in user — pages, PDFs,
    exports, redirects, errors: what one user was shown is kept neither by a shared cache nor
    on the browser's disk. Static files are answered before this runs (WhiteNoise) and keep
    theirs; anonymous visitors' public pages are left as they are."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
