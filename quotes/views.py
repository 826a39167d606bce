"""Thin function views of the quotes app: reads through the access helpers, writes through
quotes/services.py, prices through quotes/selectors.py."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from customers import access as customer_access
from customers.models import LicenseType
from customers.months import first_july_after, first_of_month, months_between
from customers.views import paginate, querystring_without_page
from quotes import access, selectors, services, verification
from quotes.exports import csv_response
from quotes.forms import (
    AcceptForm,
    DeclineForm,
    PreviewForm,
    PriceBookForm,
    QuoteFilterForm,
    QuoteForm,
    RenewalFilterForm,
    SendForm,
    VerifyForm,
)
from quotes.history import price_book_changes
from quotes.models import PriceBook, Quote, QuoteState
from quotes.selectors import PricingUnavailable

# --- price books -----------------------------------------------------------------------------


@login_required
def price_book_list(request):
    if not customer_access.is_distributor_staff(request.user):
        raise Http404  # resellers do not see price books at all (DESIGN.md §1)
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
    today = timezone.localdate()
    in_force = PriceBook.objects.in_force_on(today)
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
        except services.QuoteError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
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
        except services.QuoteError as error:
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
        except services.QuoteError as error:
            messages.error(request, error.message)
            return redirect(book)
        messages.success(request, _("Draft deleted."))
        return redirect("price_book_list")
    return render(request, "customers/confirm.html", {
        "title": _("Delete the draft %(name)s?") % {"name": book.name},
        "cancel_url": book.get_absolute_url(), "button": _("Delete"),
    })


# --- live price preview ----------------------------------------------------------------------


@login_required
def installation_preview(request, pk: int):
    """What an offer for this installation would carry: lines, totals, and why (htmx)."""
    installation = customer_access.get_installation_for_user(request.user, pk)
    today = timezone.localdate()
    form = PreviewForm(request.GET or None)
    result = book = None
    error = None
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if form.is_bound else {}
        quote_date = data.get("quote_date") or today
        loaded = selectors.with_pricing_data(
            customer_access.installations_for(request.user).filter(pk=installation.pk))
        try:
            result, book = selectors.price_installations(
                installations=list(loaded), quote_date=quote_date, end=data.get("end"))
        except PricingUnavailable as unavailable:
            error = unavailable.message
    template = ("quotes/_preview.html" if request.headers.get("HX-Request")
                else "quotes/preview_page.html")
    section = result.installations[0] if result else None
    return render(request, template, {
        "installation": installation, "form": form, "result": result, "book": book,
        "error": error, "today": today, "section": section,
        "end_value": request.GET.get("end") or (f"{section.end:%Y-%m}" if section else ""),
        "date_value": request.GET.get("quote_date") or today.isoformat(),
    })


# --- offers ----------------------------------------------------------------------------------


def _quote_form_initial(customer, installation_pk: str | None) -> dict:
    """New offer: the installation it was started from, else every on-premise one; the end
    prefilled with the rule's default when the chosen installations share one."""
    installations = list(customer.installations.order_by("name", "pk"))
    chosen = [i for i in installations if str(i.pk) == installation_pk] or [
        i for i in installations if not i.is_skypbx]
    return {"installations": chosen, "language": customer.language}


def _common_default_end(result) -> date | None:
    ends = {section.end for section in result.installations if section.applicable}
    return ends.pop() if len(ends) == 1 else None


def _price_form(request, customer, form):
    """Price the form's installations and end on today's date, for the live totals."""
    today = timezone.localdate()
    if not form.is_valid():
        return None, None, None
    loaded = selectors.with_pricing_data(
        customer_access.installations_for(request.user).filter(
            pk__in=[i.pk for i in form.cleaned_data["installations"]]).order_by("name", "pk"))
    try:
        result, book = selectors.price_installations(
            installations=list(loaded), quote_date=today, end=form.cleaned_data["end"])
    except PricingUnavailable as error:
        return None, None, error.message
    return result, book, None


def _end_override(form) -> date | None:
    """The end is stored only when the user chose it: the prefilled default (posted back as
    `end_default`) keeps the draft following the rule as time passes."""
    end = form.cleaned_data["end"]
    if end is not None and form.data.get("end_default") == f"{end:%Y-%m}":
        return None
    return end


@login_required
@require_http_methods(["GET", "POST"])
def quote_create(request, customer_pk: int):
    customer = customer_access.get_customer_for_user(request.user, customer_pk)
    if request.method == "POST":
        form = QuoteForm(request.POST, customer=customer)
        if form.is_valid():
            try:
                quote = services.quote_create(
                    customer=customer, installations=list(form.cleaned_data["installations"]),
                    user=request.user, end=_end_override(form),
                    language=form.cleaned_data["language"])
            except services.QuoteError as error:
                form.add_error(error.field if error.field in form.fields else None,
                               error.message)
            else:
                messages.success(request, _("Draft offer created."))
                return redirect(quote)
    else:
        form = QuoteForm(initial=_quote_form_initial(customer, request.GET.get("installation")),
                         customer=customer)
    return _render_quote_form(request, customer, form, title=_("New offer for %(name)s") % {
        "name": customer.name}, cancel_url=customer.get_absolute_url())


def _render_quote_form(request, customer, form, *, title, cancel_url, quote=None):
    preview_form = form if form.is_bound else QuoteForm(
        {"installations": [i.pk for i in form.initial.get("installations", [])],
         "language": form.initial.get("language"),
         "end": f"{quote.end_override:%Y-%m}" if quote and quote.end_override else ""},
        customer=customer)
    result, book, error = _price_form(request, customer, preview_form)
    default_end = _common_default_end(result) if result else None
    end_default = form.data.get("end_default", "")
    if not form.is_bound and not (quote and quote.end_override) and default_end:
        form.initial["end"] = default_end
        end_default = f"{default_end:%Y-%m}"
    return render(request, "quotes/quote_form.html", {
        "form": form, "customer": customer, "title": title, "cancel_url": cancel_url,
        "result": result, "book": book, "error": error, "quote": quote,
        "start": result.start if result else first_of_month(timezone.localdate()),
        "default_end": default_end, "end_default": end_default,
    })


@login_required
def quote_form_totals(request, customer_pk: int):
    """The live totals beside the offer form (htmx), priced on today's date."""
    customer = customer_access.get_customer_for_user(request.user, customer_pk)
    form = QuoteForm(request.GET, customer=customer)
    result, book, error = _price_form(request, customer, form)
    if not form.is_valid():
        error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return render(request, "quotes/_form_totals.html", {
        "result": result, "book": book, "error": error})


@login_required
@require_http_methods(["GET", "POST"])
def quote_edit(request, pk: int):
    quote = access.get_quote_for_user(request.user, pk)
    if not quote.is_draft:
        messages.error(request, _("An issued offer never changes; make a revision instead."))
        return redirect(quote)
    customer = quote.customer
    if request.method == "POST":
        form = QuoteForm(request.POST, customer=customer)
        if form.is_valid():
            try:
                services.quote_update_draft(
                    quote=quote, user=request.user,
                    installations=list(form.cleaned_data["installations"]),
                    end=_end_override(form), language=form.cleaned_data["language"])
            except services.QuoteError as error:
                form.add_error(error.field if error.field in form.fields else None,
                               error.message)
            else:
                messages.success(request, _("Draft saved."))
                return redirect(quote)
    else:
        form = QuoteForm(initial={"installations": list(quote.installations.all()),
                                  "end": quote.end_override, "language": quote.language},
                         customer=customer)
    return _render_quote_form(request, customer, form, title=_("Edit draft offer"),
                              cancel_url=quote.get_absolute_url(), quote=quote)


@login_required
def quote_detail(request, pk: int):
    quote = access.get_quote_for_user(request.user, pk)
    today = timezone.localdate()
    revisions = list(quote.revisions.all())  # newest first
    return render(request, "quotes/quote_detail.html", {
        "quote": quote, "today": today,
        # Evaluated only when the template needs it: an issued offer's frozen sections come
        # from the fragment cache (templates/quotes/quote_detail.html).
        "shown": SimpleLazyObject(lambda: selectors.offer_presentation(quote, today)),
        "display_state": quote.display_state(today),
        "events": quote.events.select_related("by"),
        "revisions": revisions,
        "successor": next((r for r in revisions if not r.is_draft), None),
    })


def _quote_action(request, pk, *, action, template, form_class=None, staff_only=False,
                  success=None):
    """GET: a confirmation page (with the form, if any). POST: one service call."""
    quote = access.get_quote_for_user(request.user, pk)
    if staff_only:
        customer_access.require_staff(request.user)
    form = form_class(request.POST or None) if form_class else None
    if request.method == "POST" and (form is None or form.is_valid()):
        try:
            result = action(quote, form.cleaned_data if form else {})
        except services.QuoteError as error:
            if form is not None and error.field in form.fields:
                form.add_error(error.field, error.message)
            else:
                messages.error(request, error.message)
                return redirect(quote)
        else:
            messages.success(request, success(result) if callable(success) else success)
            return redirect(result if isinstance(result, Quote) else quote)
    today = timezone.localdate()
    return render(request, template, {"quote": quote, "form": form, "today": today,
                                      "shown": selectors.offer_presentation(quote, today)})


@login_required
@require_http_methods(["GET", "POST"])
def quote_issue(request, pk: int):
    return _quote_action(
        request, pk, staff_only=True, template="quotes/quote_issue.html",
        action=lambda quote, data: services.quote_issue(quote=quote, user=request.user),
        success=lambda quote: _("Issued as %(number)s.") % {"number": quote.number})


@login_required
@require_POST
def quote_ready(request, pk: int):
    quote = access.get_quote_for_user(request.user, pk)
    ready = request.POST.get("ready") != "0"
    try:
        services.quote_mark_ready(quote=quote, user=request.user, ready=ready)
    except services.QuoteError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Marked ready to issue; the distributor's staff will issue "
                                    "it.") if ready else _("No longer marked ready to issue."))
    return redirect(quote)


@login_required
@require_http_methods(["GET", "POST"])
def quote_revise(request, pk: int):
    return _quote_action(
        request, pk, template="quotes/quote_revise.html",
        action=lambda quote, data: services.quote_revise(quote=quote, user=request.user),
        success=_("Revision created as a draft. Change it, then have it issued."))


@login_required
@require_http_methods(["GET", "POST"])
def quote_accept(request, pk: int):
    return _quote_action(
        request, pk, form_class=AcceptForm, template="quotes/quote_accept.html",
        action=lambda quote, data: services.quote_accept(
            quote=quote, user=request.user, accepted_by_name=data["accepted_by_name"]),
        success=_("Accepted. The agreement periods are recorded on the installations."))


@login_required
@require_http_methods(["GET", "POST"])
def quote_decline(request, pk: int):
    return _quote_action(
        request, pk, form_class=DeclineForm, template="quotes/quote_decline.html",
        action=lambda quote, data: services.quote_decline(
            quote=quote, user=request.user, reason=data["reason"]),
        success=_("Declined."))


@login_required
@require_http_methods(["GET", "POST"])
def quote_undo_acceptance(request, pk: int):
    return _quote_action(
        request, pk, staff_only=True, form_class=DeclineForm,
        template="quotes/quote_undo_acceptance.html",
        action=lambda quote, data: services.quote_undo_acceptance(
            quote=quote, user=request.user, reason=data["reason"]),
        success=_("Acceptance undone; its agreement periods were removed."))


@login_required
@require_http_methods(["GET", "POST"])
def quote_delete(request, pk: int):
    quote = access.get_quote_for_user(request.user, pk)
    if request.method == "POST":
        try:
            services.quote_delete_draft(quote=quote, user=request.user)
        except services.QuoteError as error:
            messages.error(request, error.message)
            return redirect(quote)
        messages.success(request, _("Draft deleted."))
        return redirect(quote.customer)
    return render(request, "customers/confirm.html", {
        "title": _("Delete this draft offer?"), "cancel_url": quote.get_absolute_url(),
        "button": _("Delete"),
    })


def _filtered_quotes(request, today):
    """The user's offers, filtered as the list's query string says."""
    resellers = customer_access.resellers_for(request.user)
    form = QuoteFilterForm(request.GET or None, resellers=resellers)
    quotes = access.quotes_for(request.user).select_related("customer", "reseller",
                                                            "customer__reseller")
    if form.is_valid():
        data = form.cleaned_data
        quotes = quotes.search(data["q"] or "")
        quotes = _filter_state(quotes, data["state"], today)
        if data["reseller"]:
            quotes = quotes.filter(Q(reseller=data["reseller"])
                                   | Q(state=QuoteState.DRAFT,
                                       customer__reseller=data["reseller"]))
        if data["customer"]:
            quotes = quotes.filter(customer_id=data["customer"])
        if data["expiring_within"] is not None:
            quotes = quotes.expiring_within(today, data["expiring_within"])
    return form, quotes.order_by("-created_at", "-pk")


@login_required
def quote_list(request):
    today = timezone.localdate()
    form, quotes = _filtered_quotes(request, today)
    return render(request, "quotes/quote_list.html", {
        "form": form, "page": paginate(request, quotes),
        "today": today, "querystring": querystring_without_page(request),
    })


def _filter_state(quotes, state: str, today):
    if state == "ready":
        return quotes.ready_to_issue()
    if state == "open":
        return quotes.open(today)
    if state == "expired":
        return quotes.expired(today)
    if state:
        return quotes.filter(state=state)
    return quotes


# --- the signed PDF, e-mail and verification -------------------------------------------------


def _pdf_response(data: bytes, filename: str, *, attachment: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def quote_pdf(request, pk: int):
    """The signed PDF, the same bytes every time; a draft's unsigned preview."""
    quote = access.get_quote_for_user(request.user, pk)
    if quote.is_draft:
        from quotes.pdf import render_quote_pdf

        return _pdf_response(render_quote_pdf(quote), f"draft-{quote.pk}.pdf")
    try:
        data = services.quote_pdf_bytes(quote=quote)
    except services.QuoteError as error:
        messages.error(request, error.message)
        return redirect(quote)
    return _pdf_response(data, f"{quote.number}.pdf")


@login_required
@require_POST
def quote_pdf_retry(request, pk: int):
    """Staff try the PDF again at once after a failure (it is never re-signed once stored)."""
    quote = access.get_quote_for_user(request.user, pk)
    customer_access.require_staff(request.user)
    outcome = services.quote_prepare_pdf(quote_id=quote.pk)
    if outcome.failed:
        messages.error(request, _("Preparing the PDF failed again: %(error)s") % {
            "error": outcome.quote.pdf_error})
    else:
        messages.success(request, _("The signed PDF is ready."))
    return redirect(quote)


@login_required
@require_http_methods(["GET", "POST"])
def quote_send(request, pk: int):
    quote = access.get_quote_for_user(request.user, pk)
    reseller_email = quote.reseller.email if quote.reseller else ""
    form = SendForm(request.POST or None, initial={
        "to": quote.customer_email, "cc": reseller_email})
    if request.method == "POST" and form.is_valid():
        try:
            services.quote_send_email(quote=quote, user=request.user, **form.cleaned_data)
        except services.QuoteError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Sent to %(to)s.") % {
                "to": ", ".join(form.cleaned_data["to"])})
            return redirect(quote)
    today = timezone.localdate()
    return render(request, "quotes/quote_send.html", {
        "quote": quote, "form": form, "today": today,
        "shown": selectors.offer_presentation(quote, today)})


UPLOADS_PER_WINDOW = 30
UPLOAD_WINDOW_SECONDS = 600


def _too_many_uploads(request) -> bool:
    """A sensible limit per client address on the public upload (pyHanko work is not free)."""
    key = "verify-uploads:" + request.META.get("REMOTE_ADDR", "?")
    cache.add(key, 0, UPLOAD_WINDOW_SECONDS)
    try:
        return cache.incr(key) > UPLOADS_PER_WINDOW
    except ValueError:
        return False


def verify(request):
    """Public: is this offer genuine, and what is its state now? Upload the PDF."""
    verdict = None
    status = 200
    form = VerifyForm(request.POST, request.FILES) if request.method == "POST" else VerifyForm()
    if request.method == "POST":
        if _too_many_uploads(request):
            status = 429
            form.add_error(None, _("Too many checks from your address; wait a few minutes."))
        elif form.is_valid():
            upload = form.cleaned_data["pdf"]
            if upload.size > verification.MAX_UPLOAD_BYTES:
                verdict = verification.Verdict(False, str(verification.TOO_LARGE))
            else:
                verdict = verification.verify_upload(upload.read(),
                                                     today=timezone.localdate())
    return render(request, "quotes/verify.html", {"form": form, "verdict": verdict},
                  status=status)


def verify_link(request, token: str):
    """Public: the QR code's link. An unknown token says only that it is unknown."""
    verdict = verification.verify_token(token[:100], today=timezone.localdate())
    return render(request, "quotes/verify.html", {
        "form": VerifyForm(), "verdict": verdict, "unknown_link": verdict is None},
        status=200 if verdict else 404)


# --- renewals --------------------------------------------------------------------------------


def _renewal_rows(request):
    """The worklist as the filters in the query string ask, scoped to the user."""
    today = timezone.localdate()
    this_month = first_of_month(today)
    form = RenewalFilterForm(request.GET or None,
                             resellers=customer_access.resellers_for(request.user))
    data = form.cleaned_data if form.is_valid() else {}
    window_end = data.get("window_end") or first_july_after(today)
    installations = customer_access.installations_for(request.user)
    if data.get("reseller"):
        installations = installations.filter(customer__reseller=data["reseller"])
    rows = selectors.renewal_worklist(
        installations, window_end=window_end, this_month=this_month,
        lapsed_only=data.get("lapsed", False), query=data.get("q", ""),
        order=data.get("order") or "paid_until")
    return form, rows, window_end, today, this_month


@login_required
@require_http_methods(["GET", "POST"])
def renewal_list(request):
    form, rows, window_end, today, this_month = _renewal_rows(request)
    if request.method == "POST":
        if request.POST.get("all") == "1":
            chosen = list(rows)
        else:
            ids = [int(i) for i in request.POST.getlist("installation")
                   if i.isascii() and i.isdecimal() and len(i) <= 18]
            chosen = list(rows.filter(pk__in=ids))
        try:
            created = services.renewal_batch_create(user=request.user, installations=chosen,
                                                    window_end=window_end)
        except services.QuoteError as error:
            messages.error(request, error.message)
            return redirect(request.get_full_path())
        if created.already_in_a_batch:
            messages.info(request, _("%(count)d of them already have a renewal for this window "
                                     "and were left out.") % {"count": created.already_in_a_batch})
        return redirect(created.batch)
    page = paginate(request, rows)
    estimates = selectors.renewal_estimates(list(page.object_list), quote_date=today)
    for row in page.object_list:
        row.estimate = estimates.get(row.pk)
        row.months_lapsed = max(0, months_between(row.paid_until, this_month))
    return render(request, "quotes/renewal_list.html", {
        "form": form, "page": page, "window_end": window_end, "today": today,
        "total": page.paginator.count, "querystring": querystring_without_page(request),
        "batches": access.renewal_batches_for(request.user)[:5],
    })


@login_required
def renewal_export(request):
    _form, rows, _window_end, today, this_month = _renewal_rows(request)
    rows = list(rows)
    estimates = selectors.renewal_estimates(rows, quote_date=today)
    header = [_("Reseller"), _("Customer"), _("Org. number"), _("Installation"),
              _("Paid until"), _("Months lapsed"), _("Estimate SSC"),
              _("Estimate NOK excl. VAT"), _("Renewal made")]
    return csv_response(f"renewals-{today:%Y-%m-%d}.csv", header, (
        [row.customer.reseller.name, row.customer.name, row.customer.org_number, row.name,
         row.paid_until, max(0, months_between(row.paid_until, this_month)),
         *(estimates.get(row.pk) or ("", "")), _("yes") if row.renewal_exists else ""]
        for row in rows))


@login_required
def renewal_batch_detail(request, pk: int):
    batch = access.get_renewal_batch_for_user(request.user, pk)
    template = ("quotes/_batch_progress.html" if request.headers.get("HX-Request")
                else "quotes/renewal_batch.html")
    return render(request, template, {
        "batch": batch, "progress": batch.progress(),
        "failures": batch.items.filter(status="failed").select_related(
            "installation__customer"),
        "made": batch.items.filter(status="done").select_related(
            "installation__customer", "quote")[:200],
    })


@login_required
@require_POST
def renewal_batch_retry(request, pk: int):
    batch = access.get_renewal_batch_for_user(request.user, pk)
    count = services.renewal_batch_retry_failed(batch=batch, user=request.user)
    messages.success(request, _("%(count)d installations are queued again.") % {"count": count})
    return redirect(batch)


@login_required
def quote_export(request):
    """The offer list as CSV, with the list's filters and scope."""
    today = timezone.localdate()
    _form, quotes = _filtered_quotes(request, today)
    header = [_("Offer"), _("State"), _("Customer"), _("Reseller"), _("Issued"),
              _("Valid until"), _("SSC"), _("Net NOK"), _("VAT NOK"), _("Gross NOK")]
    return csv_response(f"offers-{today:%Y-%m-%d}.csv", header, (
        [quote.number or _("draft"), quote.display_state(today),
         quote.customer.name if quote.is_draft else quote.customer_name,
         quote.customer.reseller.name if quote.is_draft else quote.reseller_name,
         quote.issue_date, quote.valid_until, quote.total_ssc, quote.net, quote.vat, quote.gross]
        for quote in quotes.iterator()))
