"""/api/v1/ (docs/API.md). Every route here has a row in tests/test_api_matrix.py."""

from django.urls import path

from api.views import imports, inventory, offers, renewals, webhooks
from api.views.docs import ApiDocs, ApiSchema

app_name = "api"

urlpatterns = [
    path("schema/", ApiSchema.as_view(), name="schema"),
    path("docs/", ApiDocs.as_view(url_name="api:schema"), name="docs"),
    path("customers/", inventory.CustomerList.as_view(), name="customer-list"),
    path("customers/<int:pk>/", inventory.CustomerDetail.as_view(), name="customer-detail"),
    path("installations/", inventory.InstallationList.as_view(), name="installation-list"),
    path("installations/<int:pk>/", inventory.InstallationDetail.as_view(),
         name="installation-detail"),
    path("installations/<int:pk>/pbx-import/", imports.PbxDryRun.as_view(),
         name="pbx-import"),
    path("installations/<int:pk>/pbx-import/apply/", imports.PbxApply.as_view(),
         name="pbx-import-apply"),
    path("holdings/", inventory.HoldingList.as_view(), name="holding-list"),
    path("holdings/<int:pk>/", inventory.HoldingDetail.as_view(), name="holding-detail"),
    path("holdings/<int:pk>/end/", inventory.HoldingEnd.as_view(), name="holding-end"),
    path("periods/", inventory.PeriodList.as_view(), name="period-list"),
    path("periods/<int:pk>/", inventory.PeriodDetail.as_view(), name="period-detail"),
    path("price-preview/", offers.PricePreview.as_view(), name="price-preview"),
    path("offers/", offers.OfferList.as_view(), name="offer-list"),
    path("offers/<int:pk>/", offers.OfferDetail.as_view(), name="offer-detail"),
    path("offers/<int:pk>/ready/", offers.OfferReady.as_view(), name="offer-ready"),
    path("offers/<int:pk>/issue/", offers.OfferIssue.as_view(), name="offer-issue"),
    path("offers/<int:pk>/accept/", offers.OfferAccept.as_view(), name="offer-accept"),
    path("offers/<int:pk>/decline/", offers.OfferDecline.as_view(), name="offer-decline"),
    path("offers/<int:pk>/revise/", offers.OfferRevise.as_view(), name="offer-revise"),
    path("offers/<int:pk>/pdf/", offers.OfferPdf.as_view(), name="offer-pdf"),
    path("renewals/", renewals.RenewalList.as_view(), name="renewal-list"),
    path("webhooks/", webhooks.WebhookList.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", webhooks.WebhookDetail.as_view(), name="webhook-detail"),
    path("webhooks/<int:pk>/deliveries/", webhooks.WebhookDeliveries.as_view(),
         name="webhook-deliveries"),
]
