from django.urls import path

from quotes import views

urlpatterns = [
    path("prices/", views.price_book_list, name="price_book_list"),
    path("prices/<int:pk>/", views.price_book_detail, name="price_book_detail"),
    path("prices/<int:pk>/copy/", views.price_book_copy, name="price_book_copy"),
    path("prices/<int:pk>/edit/", views.price_book_edit, name="price_book_edit"),
    path("prices/<int:pk>/publish/", views.price_book_publish, name="price_book_publish"),
    path("prices/<int:pk>/delete/", views.price_book_delete, name="price_book_delete"),
    path("installations/<int:pk>/preview/", views.installation_preview,
         name="installation_preview"),
    path("offers/", views.quote_list, name="quote_list"),
    path("offers/export.csv", views.quote_export, name="quote_export"),
    path("renewals/", views.renewal_list, name="renewal_list"),
    path("renewals/export.csv", views.renewal_export, name="renewal_export"),
    path("renewals/batches/<int:pk>/", views.renewal_batch_detail, name="renewal_batch_detail"),
    path("renewals/batches/<int:pk>/retry/", views.renewal_batch_retry,
         name="renewal_batch_retry"),
    path("customers/<int:customer_pk>/offers/new/", views.quote_create, name="quote_create"),
    path("customers/<int:customer_pk>/offers/totals/", views.quote_form_totals,
         name="quote_form_totals"),
    path("offers/<int:pk>/", views.quote_detail, name="quote_detail"),
    path("offers/<int:pk>/edit/", views.quote_edit, name="quote_edit"),
    path("offers/<int:pk>/ready/", views.quote_ready, name="quote_ready"),
    path("offers/<int:pk>/issue/", views.quote_issue, name="quote_issue"),
    path("offers/<int:pk>/revise/", views.quote_revise, name="quote_revise"),
    path("offers/<int:pk>/accept/", views.quote_accept, name="quote_accept"),
    path("offers/<int:pk>/decline/", views.quote_decline, name="quote_decline"),
    path("offers/<int:pk>/undo-acceptance/", views.quote_undo_acceptance,
         name="quote_undo_acceptance"),
    path("offers/<int:pk>/delete/", views.quote_delete, name="quote_delete"),
]

urlpatterns += [
    path("offers/<int:pk>/pdf/", views.quote_pdf, name="quote_pdf"),
    path("offers/<int:pk>/pdf/retry/", views.quote_pdf_retry, name="quote_pdf_retry"),
    path("offers/<int:pk>/send/", views.quote_send, name="quote_send"),
    path("verify/", views.verify, name="verify"),
    path("verify/<str:token>/", views.verify_link, name="verify_link"),
]
