"""Who hears of what (docs/DOMAIN.md#notifications-and-reminders): notifications of offer
events to staff and reseller users (each kind switchable per user), the customer's confirmation
of an acceptance, and the daily reminders — each queued through quotes.services.messages, in the
recipient's language, at most once per event or reminder and recipient."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from customers.access import reseller_users, staff_users
from customers.models import Installation
from quotes import selectors
from quotes.models import (
    NotificationKind,
    NotificationSettings,
    OutgoingEmail,
    Quote,
    QuoteEvent,
)
from quotes.presentation import summarize_offer
from quotes.services.customer_side import acceptance_url, link_create
from quotes.services.messages import email_queue
from quotes.services.offers import quote_record_expiries

# Which users hear of which timeline entry, and under which switch.
_AUDIENCE = {
    QuoteEvent.Kind.READY: ("staff", NotificationKind.DRAFT_READY),
    QuoteEvent.Kind.ISSUED: ("reseller", NotificationKind.OFFER_ISSUED),
    QuoteEvent.Kind.OPENED: ("reseller", NotificationKind.OFFER_OPENED),
    QuoteEvent.Kind.ACCEPTED: ("both", NotificationKind.OFFER_ACCEPTED),
    QuoteEvent.Kind.DECLINED: ("reseller", NotificationKind.OFFER_DECLINED),
}
PAID_UNTIL_REMINDER_DAYS = (90, 30)


def notification_settings_of(user: User) -> NotificationSettings:
    """The user's notification settings (every kind on, in bokmål, until they change them)."""
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(user=user)


@transaction.atomic
def notification_settings_update(*, user: User, language: str, switched_on: set[str],
                                 offered: set[str]) -> NotificationSettings:
    """Save the language and which of the `offered` kinds are on (other kinds keep their
    setting)."""
    current, _created = NotificationSettings.objects.select_for_update().get_or_create(
        user=user)
    off = (set(current.switched_off) - offered) | (offered - switched_on)
    current.language, current.switched_off = language, sorted(off)
    current.save(update_fields=["language", "switched_off"])
    return current


def portal_url(path: str) -> str:
    return settings.SSA_PUBLIC_BASE_URL.rstrip("/") + path


def _recipients(audience: str, quote: Quote, kind: str) -> list[tuple[User, str]]:
    users = []
    if audience in ("staff", "both"):
        users += list(staff_users())
    if audience in ("reseller", "both"):
        reseller = quote.reseller if quote.reseller_id else quote.customer.reseller
        users += list(reseller_users(reseller))
    chosen = []
    for user in {user.pk: user for user in users}.values():
        preferences = notification_settings_of(user)
        if user.email and kind not in preferences.switched_off:
            chosen.append((user, preferences.language))
    return chosen


def offer_event_notify(*, event_id: int) -> list[OutgoingEmail]:
    """The e-mails one timeline entry calls for (idempotent: each at most once per
    recipient)."""
    event = QuoteEvent.objects.select_related("quote", "quote__customer__reseller",
                                              "quote__reseller", "by").get(pk=event_id)
    if event.kind not in _AUDIENCE:
        return []
    quote = event.quote
    audience, kind = _AUDIENCE[event.kind]
    queued = []
    with transaction.atomic():
        for user, language in _recipients(audience, quote, kind):
            queued.append(email_queue(
                kind=OutgoingEmail.Kind.NOTIFICATION, to=[user.email], language=language,
                template="notification", quote=quote, dedupe_key=f"event:{event.pk}:{user.pk}",
                context={"event": event, "quote": quote, "recipient": user,
                         "offer": summarize_offer(quote, today=timezone.localdate()),
                         "url": portal_url(quote.get_absolute_url())}))
        if event.kind == QuoteEvent.Kind.ACCEPTED:
            queued.append(_confirm_acceptance(quote, event))
    return [email for email in queued if email is not None]


def _confirm_acceptance(quote: Quote, event: QuoteEvent) -> OutgoingEmail | None:
    """The customer's confirmation: to whoever accepted online, else to the offer's contact."""
    acceptance = quote.acceptances.filter(undone_at__isnull=True).first()
    address = (acceptance.email if acceptance and acceptance.email else quote.customer_email)
    if not address:
        return None
    return email_queue(
        kind=OutgoingEmail.Kind.ACCEPTANCE_CONFIRMATION, to=[address], language=quote.language,
        template="acceptance_confirmation", quote=quote,
        dedupe_key=f"event:{event.pk}:confirmation",
        context={"quote": quote, "acceptance": acceptance,
                 "offer": summarize_offer(quote, today=timezone.localdate()),
                 "verification_url": portal_url(f"/verify/{quote.verification_token}/")})


@dataclass(frozen=True)
class Reminded:
    expired: int
    expiring: int
    paid_until: int


def reminders_send(*, today: date) -> Reminded:
    """The daily reminders, idempotent (a reminder is sent at most once per offer or
    installation, kind and recipient — the e-mail's unique `dedupe_key` says so): the customer
    N days before an open offer it was sent expires; the reseller 90 and 30 days before an
    installation's paid-until when no open offer covers it. Expiries go on the timeline too."""
    expired = quote_record_expiries(today=today)
    return Reminded(len(expired), _remind_expiring(today), _remind_paid_until(today))


def _remind_expiring(today: date) -> int:
    horizon = today + timedelta(days=settings.SSA_REMINDER_DAYS_BEFORE_EXPIRY)
    sent = 0
    for quote in (Quote.objects.open(today).filter(valid_until__lte=horizon,
                                                   acceptance_links__isnull=False)
                  .select_related("customer").distinct()):
        key = f"expiring:{quote.pk}"
        if OutgoingEmail.objects.filter(dedupe_key=key).exists():
            continue
        address = quote.acceptance_links.first().email
        with transaction.atomic():  # a new personal link, only if the reminder is new
            _link, token = link_create(quote=quote, email=address, user=None)
            email = email_queue(
                kind=OutgoingEmail.Kind.REMINDER_EXPIRING, to=[address],
                language=quote.language, template="reminder_expiring", quote=quote,
                dedupe_key=key,
                context={"quote": quote, "offer": summarize_offer(quote, today=today),
                         "acceptance_url": acceptance_url(token)})
            if email is None:
                transaction.set_rollback(True)
        sent += email is not None
    return sent


def _remind_paid_until(today: date) -> int:
    sent = 0
    windows = [*PAID_UNTIL_REMINDER_DAYS[1:], 0]  # 90: between 30 and 90 days ahead, 30: ≤ 30
    for days, nearer in zip(PAID_UNTIL_REMINDER_DAYS, windows, strict=True):
        due = (Installation.objects.on_premise()
               .filter(paid_until__gt=today + timedelta(days=nearer),
                       paid_until__lte=today + timedelta(days=days))
               .exclude(pk__in=selectors.open_offers(today).values("installations"))
               .select_related("customer__reseller"))
        for installation in due:
            for user in reseller_users(installation.customer.reseller):
                preferences = notification_settings_of(user)
                if (not user.email
                        or NotificationKind.PAID_UNTIL_REMINDER in preferences.switched_off):
                    continue
                email = email_queue(
                    kind=OutgoingEmail.Kind.REMINDER_PAID_UNTIL, to=[user.email],
                    language=preferences.language, template="reminder_paid_until",
                    installation=installation,
                    dedupe_key=(f"paid-until-{days}:{installation.pk}:"
                                f"{installation.paid_until:%Y-%m-%d}:{user.pk}"),
                    context={"installation": installation, "days": days,
                             "recipient": user,
                             "url": portal_url(installation.get_absolute_url())})
                sent += email is not None
    return sent
