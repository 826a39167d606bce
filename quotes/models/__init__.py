"""The quotes app's models, by sub-domain: price books, offers (with their frozen parts and
timeline), renewal campaigns, and the signing certificates ever used."""

from quotes.models.certificates import SigningCertificate
from quotes.models.customer_side import (
    Acceptance,
    AcceptanceLink,
    NotificationKind,
    NotificationSettings,
    OutgoingEmail,
)
from quotes.models.offers import (
    SEARCH_CUSTOMER_IDS,
    DisplayState,
    IssuedPartMixin,
    Quote,
    QuoteCharge,
    QuoteCounter,
    QuoteEvent,
    QuoteLine,
    QuoteQuerySet,
    QuoteSection,
    QuoteState,
)
from quotes.models.price_books import (
    FrozenError,
    PriceBook,
    PriceBookQuerySet,
    PriceBookRate,
    PriceBookState,
)
from quotes.models.renewals import REASONS, RenewalBatch, RenewalItem, RenewalTarget

__all__ = [
    "Acceptance", "AcceptanceLink", "NotificationKind", "NotificationSettings", "OutgoingEmail",
    "SEARCH_CUSTOMER_IDS", "DisplayState", "FrozenError", "IssuedPartMixin", "PriceBook",
    "PriceBookQuerySet", "PriceBookRate", "PriceBookState", "Quote", "QuoteCharge",
    "QuoteCounter", "QuoteEvent", "QuoteLine", "QuoteQuerySet", "QuoteSection", "QuoteState",
    "REASONS", "RenewalBatch", "RenewalItem", "RenewalTarget", "SigningCertificate",
]
