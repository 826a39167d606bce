"""Price books (docs/DOMAIN.md#price-books): staff read them, price admins change them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import DomainError
from common.web import paginate, show_error
from customers import access as customer_access
from customers.models import LicenseType
from quotes import access, services
from quotes.forms import PriceBookForm
from quotes.history import price_book_changes
from quotes.models import PriceBook


@login_required
def price_book_list(request):
    if not customer_access.is_distributor_staff(request.user):
        raise Http404  # resellers do not see price books at all
    books = access.price_books_for(request.user).select_related("published_by")
    today = timezone.localdate()
    return render(request, "quotes/price_book_list.html", {
        "page": paginate(request, books),
        "in_force": PriceBook.objects.in_force_on(today),
        "today": today,
    })


@login_required
def price_book_detail(request, pk: int):
    book = access.get_price_book_for_user(request.user, pk)
    in_force = PriceBook.objects.in_force_on(timezone.localdate())
    return render(request, "quotes/price_book_detail.html", {
        "book": book,
        "in_force": in_force,
        "rows": _rate_rows(book, in_force),
        "changes": price_book_changes(book),
    })


def _rate_rows(book: PriceBook, other: PriceBook | None) -> list[dict]:
    """Side by side: each license type's rate in this book and in `other`."""
    mine, theirs = book.rate_map(), (other.rate_map() if other else {})
    rows = []
    for license_type in LicenseType.objects.filter(covered=True):
        rate, compared = mine.get(license_type.code), theirs.get(license_type.code)
        rows.append({"type": license_type, "rate": rate, "other": compared,
                     "changed": other is not None and other != book and rate != compared})
    return rows


@login_required
@require_POST
def price_book_copy(request, pk: int):
    book = access.get_price_book_for_user(request.user, pk)
    customer_access.require_price_admin(request.user)
    draft = services.price_book_create_draft(source=book, user=request.user)
    messages.success(request, _("Draft created. Edit the rates, then publish it."))
    return redirect("price_book_edit", pk=draft.pk)


@login_required
@require_http_methods(["GET", "POST"])
def price_book_edit(request, pk: int):
    book = access.get_price_book_for_user(request.user, pk)
    customer_access.require_price_admin(request.user)
    if book.is_published:
        messages.error(request, _("A published price book is never changed. Make a new draft "
                                  "from it instead."))
        return redirect(book)
    form = PriceBookForm(request.POST or None, book=book)
    if request.method == "POST" and form.is_valid():
        try:
            services.price_book_update_draft(book=book, user=request.user,
                                             **form.service_arguments())
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Draft saved."))
            return redirect(book)
    return render(request, "quotes/price_book_edit.html", {"book": book, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def price_book_publish(request, pk: int):
    book = access.get_price_book_for_user(request.user, pk)
    customer_access.require_price_admin(request.user)
    if request.method == "POST":
        try:
            services.price_book_publish(book=book, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Published. Quotes dated from %(date)s use these "
                                        "prices.") % {"date": f"{book.effective_from:%d.%m.%Y}"})
        return redirect(book)
    in_force = PriceBook.objects.in_force_on(timezone.localdate())
    return render(request, "quotes/price_book_publish.html", {
        "book": book, "in_force": in_force, "rows": _rate_rows(book, in_force),
    })


@login_required
@require_http_methods(["GET", "POST"])
def price_book_delete(request, pk: int):
    book = access.get_price_book_for_user(request.user, pk)
    customer_access.require_price_admin(request.user)
    if request.method == "POST":
        try:
            services.price_book_delete_draft(book=book, user=request.user)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(book)
        messages.success(request, _("Draft deleted."))
        return redirect("price_book_list")
    return render(request, "customers/confirm.html", {
        "title": _("Delete the draft %(name)s?") % {"name": book.name},
        "cancel_url": book.get_absolute_url(), "button": _("Delete"),
    })
