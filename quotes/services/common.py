"""What the quotes services share: the offer's timeline, its row lock, and saving with the
acting user recorded in the change history."""

from django.contrib.auth.models import User
from django.utils import timezone

from quotes.models import Quote, QuoteEvent


def record_event(quote: Quote, kind: str, user: User | None, note: str = "") -> QuoteEvent:
    return QuoteEvent.objects.create(quote=quote, at=timezone.now(), by=user, kind=kind,
                                     note=note[:500])


def locked(quote: Quote) -> Quote:
    """The offer's row, locked for this transaction: two people acting on one offer at once
    are served one after the other, and the second sees what the first did."""
    return Quote.objects.select_for_update().select_related("customer").get(pk=quote.pk)


def save_as(obj, user: User) -> None:
    """Save and record `user` in the change history (also outside a request, e.g. a command)."""
    obj._history_user = user
    obj.save()
