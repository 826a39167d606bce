from django.urls import path

from api import account_views

urlpatterns = [
    path("api-tokens/", account_views.token_list, name="api_token_list"),
    path("api-tokens/<int:pk>/revoke/", account_views.token_revoke, name="api_token_revoke"),
    path("webhooks/", account_views.webhook_list, name="webhook_endpoint_list"),
    path("webhooks/<int:pk>/", account_views.webhook_detail, name="webhook_endpoint_detail"),
    path("webhooks/<int:pk>/resume/", account_views.webhook_resume,
         name="webhook_endpoint_resume"),
    path("webhooks/<int:pk>/delete/", account_views.webhook_delete,
         name="webhook_endpoint_delete"),
]
