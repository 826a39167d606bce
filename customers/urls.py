from django.urls import path

from common.web import healthz
from customers import history_views, import_views, views

urlpatterns = [
    path("healthz/", healthz, name="healthz"),
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/new/", views.customer_create, name="customer_create"),
    path("customers/<int:pk>/", views.customer_detail, name="customer_detail"),
    path("customers/<int:pk>/edit/", views.customer_edit, name="customer_edit"),
    path("customers/<int:pk>/history/", history_views.customer_history, name="customer_history"),
    path("customers/<int:pk>/move/", views.customer_move, name="customer_move"),
    path("customers/<int:customer_pk>/installations/new/", views.installation_create,
         name="installation_create"),
    path("installations/<int:pk>/", views.installation_detail, name="installation_detail"),
    path("installations/<int:pk>/edit/", views.installation_edit, name="installation_edit"),
    path("installations/<int:pk>/history/", history_views.installation_history,
         name="installation_history"),
    path("installations/<int:installation_pk>/holdings/new/", views.holding_create,
         name="holding_create"),
    path("holdings/<int:pk>/edit/", views.holding_edit, name="holding_edit"),
    path("holdings/<int:pk>/history/", history_views.holding_history, name="holding_history"),
    path("holdings/<int:pk>/end/", views.holding_end, name="holding_end"),
    path("holdings/<int:pk>/delete/", views.holding_delete, name="holding_delete"),
    path("installations/<int:installation_pk>/periods/new/", views.period_create,
         name="period_create"),
    path("periods/<int:pk>/edit/", views.period_edit, name="period_edit"),
    path("periods/<int:pk>/delete/", views.period_delete, name="period_delete"),
    # Imports (docs/IMPORT.md)
    path("customers/import/", import_views.csv_import_upload, name="csv_import"),
    path("customers/import/confirm/", import_views.csv_import_confirm, name="csv_import_confirm"),
    path("customers/import/jobs/<int:pk>/", import_views.csv_import_job, name="csv_import_job"),
    path("customers/import/sample.csv", import_views.csv_import_sample, name="csv_import_sample"),
    path("installations/<int:pk>/pbx-import/", import_views.pbx_import_upload, name="pbx_import"),
    path("installations/<int:pk>/pbx-import/proposal/", import_views.pbx_import_proposal,
         name="pbx_import_proposal"),
    path("installations/<int:pk>/pbx-import/review/", import_views.pbx_import_review,
         name="pbx_import_review"),
    path("installations/<int:pk>/pbx-import/apply/", import_views.pbx_import_apply,
         name="pbx_import_apply"),
]
