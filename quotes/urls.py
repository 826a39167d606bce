from django.urls import path

from quotes.views import (
    account,
    customer_link,
    documents,
    offers,
    price_books,
    related,
    renewals,
)

urlpatterns = [
    path("prices/", price_books.price_book_list, name="price_book_list"),
    path("prices/<int:pk>/", price_books.price_book_detail, name="price_book_detail"),
    path("prices/<int:pk>/copy/", price_books.price_book_copy, name="price_book_copy"),
    path("prices/<int:pk>/edit/", price_books.price_book_edit, name="price_book_edit"),
    path("prices/<int:pk>/publish/", price_books.price_book_publish, name="price_book_publish"),
    path("prices/<int:pk>/delete/", price_books.price_book_delete, name="price_book_delete"),
    path("installations/<int:pk>/preview/", offers.installation_preview,
         name="installation_preview"),
    path("offers/", offers.quote_list, name="quote_list"),
    path("offers/export.csv", offers.quote_export, name="quote_export"),
    path("renewals/", renewals.renewal_list, name="renewal_list"),
    path("renewals/export.csv", renewals.renewal_export, name="renewal_export"),
    path("renewals/totals/", renewals.renewal_totals, name="renewal_totals"),
    path("renewals/batches/<int:pk>/", renewals.renewal_batch_detail, name="renewal_batch_detail"),
    path("renewals/batches/<int:pk>/retry/", renewals.renewal_batch_retry,
         name="renewal_batch_retry"),
    path("customers/<int:customer_pk>/offers/new/", offers.quote_create, name="quote_create"),
    path("customers/<int:customer_pk>/offers/totals/", offers.quote_form_totals,
         name="quote_form_totals"),
    path("offers/<int:pk>/", offers.quote_detail, name="quote_detail"),
    path("offers/<int:pk>/edit/", offers.quote_edit, name="quote_edit"),
    path("offers/<int:pk>/ready/", offers.quote_ready, name="quote_ready"),
    path("offers/<int:pk>/issue/", offers.quote_issue, name="quote_issue"),
    path("offers/<int:pk>/revise/", offers.quote_revise, name="quote_revise"),
    path("offers/<int:pk>/accept/", offers.quote_accept, name="quote_accept"),
    path("offers/<int:pk>/decline/", offers.quote_decline, name="quote_decline"),
    path("offers/<int:pk>/undo-acceptance/", offers.quote_undo_acceptance,
         name="quote_undo_acceptance"),
    path("offers/<int:pk>/delete/", offers.quote_delete, name="quote_delete"),
    # A customer's and an installation's offers, and the offer that paid for a period.
    path("customers/<int:pk>/offers/", related.customer_offers, name="customer_offers"),
    path("installations/<int:pk>/offers/", related.installation_offers,
         name="installation_offers"),
    path("periods/<int:pk>/offer/", related.period_offer, name="period_offer"),
]

urlpatterns += [
    path("offers/<int:pk>/pdf/", documents.quote_pdf, name="quote_pdf"),
    path("offers/<int:pk>/pdf/retry/", documents.quote_pdf_retry, name="quote_pdf_retry"),
    path("offers/<int:pk>/send/", documents.quote_send, name="quote_send"),
    path("verify/", documents.verify, name="verify"),
    path("verify/<str:token>/", documents.verify_link, name="verify_link"),
]

# The customer's pages, opened with the personal acceptance link (no login).
urlpatterns += [
    path("o/<str:token>/", customer_link.offer_link, name="offer_link"),
    path("o/<str:token>/pdf/", customer_link.offer_link_pdf, name="offer_link_pdf"),
    path("o/<str:token>/accept/", customer_link.offer_link_accept, name="offer_link_accept"),
    path("o/<str:token>/decline/", customer_link.offer_link_decline, name="offer_link_decline"),
    path("accounts/notifications/", account.notification_settings,
         name="notification_settings"),
]
