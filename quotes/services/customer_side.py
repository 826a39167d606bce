"""The customer's side of an offer (docs/DOMAIN.md#customer-acceptance-and-notifications):
sending it with a personal acceptance link, the link leading to the offer (or its newest
revision), and the answer given online — through the same acceptance and decline services as an
answer recorded in the portal, with every guard, and with the evidence."""

import hashlib
import secrets
from datetime import date

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import DomainError
from common.ratelimit import RateLimit
from customers.access import reseller_of
from quotes.actions import CUSTOMER, Action, require
from quotes.models import Acceptance, AcceptanceLink, OutgoingEmail, Quote, QuoteEvent
from quotes.presentation import summarize_offer
from quotes.services.common import record_event
from quotes.services.messages import email_queue
from quotes.services.offers import Evidence, quote_accept, quote_decline
from quotes.verification import verification_url

TOKEN_BYTES = 32  # 256 bits; the verification token printed on the PDF is another one
# Offers a user may send by e-mail in an hour: a stolen login cannot turn the portal into a mail
# cannon (docs/SECURITY.md#rate-limits).
OFFER_MAILS_PER_USER = RateLimit("offer-mail", limit=60, window=3600)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def acceptance_url(token: str) -> str:
    return settings.SSA_PUBLIC_BASE_URL.rstrip("/") + reverse("offer_link", args=[token])


def link_create(*, quote: Quote, email: str, user: User | None) -> tuple[AcceptanceLink, str]:
    """A new personal link for `email`; the token is returned once and only its hash stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = AcceptanceLink.objects.create(quote=quote, token_hash=_hash(token), email=email,
                                         created_by=user)
    return link, token


def link_find(token: str) -> tuple[AcceptanceLink, Quote] | None:
    """The link a token opens and the offer it leads to: the newest issued offer of the base
    number it was sent for (a revision replaces what the customer was sent). None for a token
    that opens nothing — a wrong, short or verification token."""
    if not token or len(token) > 100:
        return None
    link = AcceptanceLink.objects.select_related("quote").filter(
        token_hash=_hash(token)).first()
    if link is None:
        return None
    newest = (Quote.objects.of_number(link.quote).select_related("customer", "reseller")
              .order_by("-revision").first())
    return link, newest or link.quote


def link_opened(*, link: AcceptanceLink, quote: Quote) -> None:
    """The customer opened the link: the first time an offer is opened is on its timeline
    (and tells the reseller)."""
    if link.first_opened_at is None:
        AcceptanceLink.objects.filter(pk=link.pk, first_opened_at=None).update(
            first_opened_at=timezone.now())
    if quote.events.filter(kind=QuoteEvent.Kind.OPENED).exists():
        return
    try:
        with transaction.atomic():
            record_event(quote, QuoteEvent.Kind.OPENED, None, link.email)
    except IntegrityError:  # opened twice at the same moment: once is on the timeline
        pass


@transaction.atomic
def quote_send_to_customer(*, quote: Quote, user: User, to: list[str], cc: list[str],
                           message: str) -> OutgoingEmail:
    """Send the signed offer to the customer's contact with a personal acceptance link (the
    reseller copied), in the offer's language, by the task worker; the sending is on the
    timeline, and so is its delivery."""
    require(Action.SEND, quote, user, timezone.localdate())
    if not to:
        raise DomainError(_("Give at least one recipient."), field="to")
    if not OFFER_MAILS_PER_USER.hit(str(user.pk)):
        raise DomainError(_("You have sent too many offers by e-mail in a short time; nothing "
                            "was sent. Try again later, within the hour."))
    link, token = link_create(quote=quote, email=to[0], user=user)
    email = email_queue(
        kind=OutgoingEmail.Kind.OFFER, to=to, cc=cc,
        reply_to=[user.email] if user.email else [], language=quote.language,
        template="offer", quote=quote, attach_pdf=True, user=user,
        context={"quote": quote, "offer": summarize_offer(quote, today=timezone.localdate()),
                 "message": message.strip(), "sender": user,
                 # The contact by name where the customer has one; signed for the sender's firm.
                 "greeting_name": quote.customer.contact_name or quote.customer_name,
                 "sender_organisation": getattr(reseller_of(user), "name", None)
                 or settings.SSA_DISTRIBUTOR_NAME,
                 "acceptance_url": acceptance_url(token),
                 "verification_url": verification_url(quote)})
    record_event(quote, QuoteEvent.Kind.EMAILED, user, ", ".join([*to, *cc]))
    return email


def quote_accept_online(*, link: AcceptanceLink, quote: Quote, name: str, role: str,
                        email: str, purchase_order: str, client_ip: str | None,
                        user_agent: str, today: date | None = None) -> Quote:
    """The customer's contact accepts through the link: the one acceptance service, with the
    evidence."""
    if not name.strip():
        raise DomainError(_("Enter your full name."), field="name")
    return quote_accept(
        quote=quote, user=CUSTOMER, accepted_by_name=name, today=today,
        evidence=Evidence(channel=Acceptance.Channel.CUSTOMER_LINK, role=role.strip(),
                          email=email.strip(), purchase_order=purchase_order.strip(),
                          client_ip=client_ip, user_agent=user_agent, link=link))


def quote_decline_online(*, quote: Quote, name: str, reason: str,
                         today: date | None = None) -> Quote:
    if not reason.strip():
        raise DomainError(_("Tell us why, so that the offer can be improved."), field="reason")
    return quote_decline(quote=quote, user=CUSTOMER, reason=reason, today=today,
                         declined_by_name=name)
