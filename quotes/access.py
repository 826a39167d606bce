"""Scoped reads of the quotes app, built on the roles of customers/access.py (which cannot import
this app: dependencies point from quotes to customers only)."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from customers.access import AnyUser, is_distributor_staff, reseller_of
from quotes.models import PriceBook, Quote, QuoteEvent, QuoteState, RenewalBatch


def price_books_for(user: AnyUser) -> QuerySet[PriceBook]:
    """Staff read price books; price admins (staff too) change them; resellers see none."""
    return PriceBook.objects.all() if is_distributor_staff(user) else PriceBook.objects.none()


def get_price_book_for_user(user: AnyUser, pk: int) -> PriceBook:
    return get_object_or_404(price_books_for(user), pk=pk)


def quotes_for(user: AnyUser) -> QuerySet[Quote]:
    """Staff see every offer. A reseller sees the drafts of its customers (drafts follow the
    customer) and the offers issued in its name (issued offers stay with the reseller recorded
    on them, even if the customer moves on)."""
    if is_distributor_staff(user):
        return Quote.objects.all()
    reseller = reseller_of(user)
    if reseller is None:
        return Quote.objects.none()
    return Quote.objects.filter(
        Q(state=QuoteState.DRAFT, customer__reseller=reseller)
        | (~Q(state=QuoteState.DRAFT) & Q(reseller=reseller))
    )


def quote_events_for(user: AnyUser) -> QuerySet[QuoteEvent]:
    """The timeline events of the offers the user sees."""
    if is_distributor_staff(user):
        return QuoteEvent.objects.all()
    return QuoteEvent.objects.filter(quote__in=quotes_for(user))


def get_quote_for_user(user: AnyUser, pk: int) -> Quote:
    return get_object_or_404(quotes_for(user).select_related("customer", "reseller"), pk=pk)


def renewal_batches_for(user: AnyUser) -> QuerySet[RenewalBatch]:
    """Staff see every batch; a reseller its own."""
    if is_distributor_staff(user):
        return RenewalBatch.objects.all()
    reseller = reseller_of(user)
    return RenewalBatch.objects.filter(reseller=reseller) if reseller else (
        RenewalBatch.objects.none())


def get_renewal_batch_for_user(user: AnyUser, pk: int) -> RenewalBatch:
    return get_object_or_404(renewal_batches_for(user), pk=pk)
