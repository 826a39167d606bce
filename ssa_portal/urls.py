from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from ssa_portal import search_views, views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard/renewal-estimate/", views.dashboard_renewal_estimate,
         name="dashboard_renewal_estimate"),
    path("search/", search_views.search, name="search"),
    path("dashboard/pipeline.json", views.dashboard_pipeline, name="dashboard_pipeline"),
    path("", include("customers.urls")),
    path("", include("quotes.urls")),
    path("accounts/", include("customers.account_urls")),
    path("accounts/", include("api.account_urls")),
    path("api/v1/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page links; the portal's own icon is static.
    path("favicon.ico", RedirectView.as_view(url=static("favicon.ico")), name="favicon"),
]
