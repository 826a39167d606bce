from django.contrib import admin
from django.urls import include, path

from ssa_portal import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("dashboard/renewal-estimate/", views.dashboard_renewal_estimate,
         name="dashboard_renewal_estimate"),
    path("", include("customers.urls")),
    path("", include("quotes.urls")),
    path("accounts/", include("customers.account_urls")),
    path("accounts/", include("api.account_urls")),
    path("api/v1/", include("api.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
