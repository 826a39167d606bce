"""The portal's URLs plus one bare view for the benchmarks (never part of the portal itself).

The bare view runs behind the same middleware and session as every page and touches the
logged-in user like every page does, then returns a constant body: the floor a page is compared
with.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from ssa_portal.urls import urlpatterns as portal_urlpatterns


@login_required
def bare(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *portal_urlpatterns]
