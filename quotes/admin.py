"""Offers, their timelines, price books and renewal batches in the Django admin: for inspection
only. Every write goes through quotes/services.py and its rules; the audit rows (timelines,
price-book history) are never edited."""

from django.contrib import admin

from customers.admin import ReadOnlyAdmin
from quotes.models import (
    Acceptance,
    OutgoingEmail,
    PriceBook,
    PriceBookRate,
    Quote,
    QuoteEvent,
    QuoteLine,
    RenewalBatch,
    RenewalItem,
    SigningCertificate,
)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class QuoteLineInline(ReadOnlyInline):
    model = QuoteLine
    fields = ["license_code", "kind", "start", "end", "months", "quantity", "ssc_per_year",
              "factor", "ssc", "nok"]


class QuoteEventInline(ReadOnlyInline):
    model = QuoteEvent
    fields = ["at", "by", "kind", "note"]


@admin.register(Quote)
class QuoteAdmin(ReadOnlyAdmin):
    list_display = ["number", "state", "customer", "reseller_name", "issue_date", "valid_until",
                    "gross"]
    list_filter = ["state", "ready_to_issue"]
    search_fields = ["number", "customer_name", "customer__name"]
    list_select_related = ["customer"]
    inlines = [QuoteLineInline, QuoteEventInline]


class PriceBookRateInline(ReadOnlyInline):
    model = PriceBookRate
    fields = ["license_type", "ssc_per_year"]


@admin.register(PriceBook)
class PriceBookAdmin(ReadOnlyAdmin):
    list_display = ["name", "state", "effective_from", "nok_per_ssc", "retroactive_factor",
                    "vat_rate"]
    inlines = [PriceBookRateInline]


class RenewalItemInline(ReadOnlyInline):
    model = RenewalItem
    fields = ["customer", "status", "quote", "reason_code", "finished_at"]


@admin.register(RenewalBatch)
class RenewalBatchAdmin(ReadOnlyAdmin):
    list_display = ["pk", "mode", "window_end", "created_by", "created_at"]
    inlines = [RenewalItemInline]


@admin.register(SigningCertificate)
class SigningCertificateAdmin(ReadOnlyAdmin):
    list_display = ["subject", "fingerprint", "not_before", "not_after", "recorded_at",
                    "first_used_at"]


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    """Every e-mail the portal sent or tried to send: offers, confirmations, notifications and
    reminders (a reminder about an installation has no offer's timeline to be on)."""

    list_display = ["created_at", "kind", "status", "quote", "installation", "attempts",
                    "sent_at"]
    list_filter = ["kind", "status"]
    search_fields = ["subject", "quote__number", "installation__name"]
    exclude = ["text", "html"]


@admin.register(Acceptance)
class AcceptanceAdmin(ReadOnlyAdmin):
    list_display = ["quote", "name", "channel", "accepted_at", "client_ip", "undone_at"]
    list_filter = ["channel"]
