"""Scoped reads of the quotes app, built on the roles of customers/access.py (which cannot import
this app: dependencies point from quotes to customers only)."""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from customers.access import AnyUser, is_distributor_staff
from quotes.models import PriceBook


def price_books_for(user: AnyUser) -> QuerySet[PriceBook]:
    """Staff read price books; price admins (staff too) change them; resellers see none."""
    return PriceBook.objects.all() if is_distributor_staff(user) else PriceBook.objects.none()


def get_price_book_for_user(user: AnyUser, pk: int) -> PriceBook:
    return get_object_or_404(price_books_for(user), pk=pk)
