"""Every write of the quotes app, by sub-domain: price books, offers, their documents (the
signed PDF and e-mail) and renewal campaigns. Callers import the functions from here."""

from quotes.services.customer_side import (
    link_find,
    link_opened,
    quote_accept_online,
    quote_decline_online,
    quote_send_to_customer,
)
from quotes.services.documents import (
    PDF_RETRY_DELAYS,
    PdfOutcome,
    prepare_pdf_after_commit,
    quote_pdf_bytes,
    quote_prepare_missing_pdfs,
    quote_prepare_pdf,
    quote_prepare_pdf_or_retry,
)
from quotes.services.messages import email_deliver, email_queue
from quotes.services.notifications import (
    notification_settings_of,
    notification_settings_update,
    offer_event_notify,
    reminders_send,
)
from quotes.services.offers import (
    CHANGED_SINCE_ISSUE,
    quote_accept,
    quote_create,
    quote_decline,
    quote_delete_draft,
    quote_issue,
    quote_mark_ready,
    quote_record_expiries,
    quote_revise,
    quote_undo_acceptance,
    quote_update_draft,
)
from quotes.services.price_books import (
    price_book_create_draft,
    price_book_delete_draft,
    price_book_publish,
    price_book_update_draft,
)
from quotes.services.renewals import (
    BatchCreated,
    group_for_offers,
    renewal_batch_create,
    renewal_batch_retry_failed,
    renewal_item_run,
    renewal_sweep,
)

__all__ = [
    "CHANGED_SINCE_ISSUE", "PDF_RETRY_DELAYS", "BatchCreated", "PdfOutcome",
    "prepare_pdf_after_commit", "price_book_create_draft", "price_book_delete_draft",
    "price_book_publish", "price_book_update_draft", "quote_accept", "quote_create",
    "quote_decline", "quote_delete_draft", "quote_issue", "quote_mark_ready", "quote_pdf_bytes",
    "quote_prepare_missing_pdfs", "quote_prepare_pdf", "quote_prepare_pdf_or_retry",
    "quote_record_expiries",
    "quote_revise", "quote_undo_acceptance", "quote_update_draft", "link_find", "link_opened",
    "quote_accept_online", "quote_decline_online", "quote_send_to_customer", "email_deliver",
    "email_queue", "offer_event_notify", "reminders_send", "notification_settings_of",
    "notification_settings_update",
    "group_for_offers", "renewal_batch_create", "renewal_batch_retry_failed",
    "renewal_item_run", "renewal_sweep",
]
