"""What the quotes services share: the offer's timeline, its row lock, and saving with the
acting user recorded in the change history."""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from common import queue
from quotes.models import Quote, QuoteEvent

# Timeline entries other parts of the portal act on (notifications, webhooks): published on the
# "offer_event" topic once the transaction that recorded them commits.
PUBLISHED_KINDS = {QuoteEvent.Kind.READY, QuoteEvent.Kind.ISSUED, QuoteEvent.Kind.ACCEPTED,
                   QuoteEvent.Kind.DECLINED, QuoteEvent.Kind.OPENED, QuoteEvent.Kind.EXPIRED}


def record_event(quote: Quote, kind: str, user: User | None, note: str = "") -> QuoteEvent:
    event = QuoteEvent.objects.create(quote=quote, at=timezone.now(), by=user, kind=kind,
                                      note=note[:500])
    if kind in PUBLISHED_KINDS:
        transaction.on_commit(lambda: queue.publish("offer_event", event.pk))
    return event


def locked(quote: Quote) -> Quote:
    """The offer's row, locked for this transaction: two people acting on one offer at once
    are served one after the other, and the second sees what the first did."""
    return Quote.objects.select_for_update().select_related("customer").get(pk=quote.pk)


def save_as(obj, user: User) -> None:
    """Save and record `user` in the change history (also outside a request, e.g. a command)."""
    obj._history_user = user
    obj.save()
