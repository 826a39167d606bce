"""Renewals (docs/DOMAIN.md#renewals): the worklist for a window, its export, and the batches
that make renewal offers in the background."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import DomainError
from common.months import first_july_after, first_of_month, months_lapsed
from common.web import paginate, querystring_without_page
from customers import access as customer_access
from quotes import access, selectors, services
from quotes.exports import csv_response
from quotes.forms import RenewalFilterForm


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
        except DomainError as error:
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
        row.months_lapsed = months_lapsed(row.paid_until, this_month)
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
         row.paid_until, months_lapsed(row.paid_until, this_month),
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
