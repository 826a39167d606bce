"""Renewals (docs/DOMAIN.md#renewals): the worklist for a cycle, its export, a confirmation of
what a bulk run would make, and the batches that make the offers in the background."""

import hashlib
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common import freshness
from common.errors import DomainError
from common.months import first_of_month
from common.templatetags.months import paid_until as paid_until_text
from common.web import paginate, querystring_without_page, sort_links
from customers import access as customer_access
from quotes import access, pricing, selectors, services
from quotes.exports import csv_response
from quotes.forms import RenewalFilterForm
from quotes.models import RenewalBatch, RenewalItem


def _renewal_rows(request):
    """The worklist as the filters in the query string ask, scoped to the user."""
    today = timezone.localdate()
    form = RenewalFilterForm(request.GET or None, today=today,
                             resellers=customer_access.resellers_for(request.user))
    data = form.cleaned_data if form.is_valid() else {}
    rows, window_end = selectors.renewal_rows_for(request.user, data, today=today)
    return form, rows, window_end, today, first_of_month(today)


def _annotate(rows, *, window_end, today, this_month) -> list:
    """Each row with its estimate and what flags it: never under agreement, an open offer."""
    rows = selectors.with_renewal_estimates(rows, window_end=window_end, today=today)
    for row in rows:
        row.never = row.paid_until is None
        row.flagged = row.never or row.has_open_offer
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def renewal_list(request):
    form, rows, window_end, today, this_month = _renewal_rows(request)
    if request.method == "POST":
        return _bulk_run(request, rows, window_end=window_end, today=today,
                         this_month=this_month)
    page = paginate(request, rows)
    page.object_list = _annotate(page.object_list, window_end=window_end, today=today,
                                 this_month=this_month)
    return render(request, "quotes/renewal_list.html", {
        "form": form, "page": page, "window_end": window_end, "today": today,
        "sort": sort_links(request, ("customer", "reseller", "paid_until"), default="paid_until",
                           param="order"),
        "renewal_end": pricing.renewal_end(window_end),
        "total": page.paginator.count, "querystring": querystring_without_page(request),
        "batches": access.renewal_batches_for(request.user)[:5],
    })


def _chosen(request, rows):
    """The rows a bulk run takes: those ticked, or the whole list ("all") without the rows
    renewed for this window already — and without the flagged ones (an open offer, no history
    recorded) unless the user includes them."""
    if request.POST.get("all") == "1":
        chosen = rows.filter(renewal_exists=False)
        if request.POST.get("include_flagged") != "1":
            chosen = chosen.filter(has_open_offer=False, paid_until__isnull=False)
        return list(chosen)
    ids = [int(i) for i in request.POST.getlist("installation")
           if i.isascii() and i.isdecimal() and len(i) <= 18]
    return list(rows.filter(pk__in=ids))


def _bulk_run(request, rows, *, window_end, today, this_month):
    """POST from the worklist: a confirmation page (offers, customers, installations, the
    estimated total); POST with `confirm`: the batch."""
    chosen = _chosen(request, rows)
    per_installation = request.POST.get("per_installation") == "1"
    if request.POST.get("confirm") == "1":
        try:
            created = services.renewal_batch_create(
                user=request.user, installations=chosen, window_end=window_end,
                per_installation=per_installation)
        except DomainError as error:
            messages.error(request, error.message)
            return redirect(request.get_full_path())
        if created.batch is None:
            messages.info(request, _("All of them already have a renewal for this window; "
                                     "nothing new was started."))
            return redirect(request.get_full_path())
        if created.already_in_a_batch:
            messages.info(request, _("%(count)d of them already have a renewal for this window "
                                     "and were left out.") % {"count": created.already_in_a_batch})
        return redirect(created.batch)
    if not chosen:
        messages.error(request, _("Choose at least one installation."))
        return redirect(request.get_full_path())
    chosen = _annotate(chosen, window_end=window_end, today=today, this_month=this_month)
    groups = services.group_for_offers(chosen, per_installation=per_installation)
    return render(request, "quotes/renewal_confirm.html", {
        "groups": [{"installations": group, "customer": group[0].customer,
                    "ssc": sum(i.estimate[0] for i in group if i.estimate),
                    "nok": sum((i.estimate[1] for i in group if i.estimate), Decimal("0.00"))}
                   for group in groups],
        "chosen": chosen, "per_installation": per_installation,
        "offers": len(groups), "customers": len({i.customer_id for i in chosen}),
        "ssc": sum(i.estimate[0] for i in chosen if i.estimate),
        "nok": sum((i.estimate[1] for i in chosen if i.estimate), Decimal("0.00")),
        "window_end": window_end, "renewal_end": pricing.renewal_end(window_end),
        "querystring": querystring_without_page(request),
    })


@login_required
def renewal_totals(request):
    """The whole filtered worklist's estimate (every page, not only the one shown): the sum of
    the rows' estimates, one rule with the rows (htmx; cached under the data's version)."""
    _form, rows, window_end, today, _this_month = _renewal_rows(request)
    key = "renewal-totals:" + hashlib.sha256(
        f"{request.user.pk}:{querystring_without_page(request)}:{today}:"
        f"{freshness.version(freshness.INSTALLATIONS)}".encode()).hexdigest()
    totals = cache.get(key)
    if totals is None:
        rows = list(rows)
        estimates = selectors.renewal_estimates(rows, quote_date=today, window_end=window_end)
        totals = {"count": len(rows), "priced": len(estimates),
                  "ssc": sum(ssc for ssc, _nok in estimates.values()),
                  "nok": sum((nok for _ssc, nok in estimates.values()), Decimal("0.00"))}
        cache.set(key, totals, 24 * 60 * 60)
    return render(request, "quotes/_renewal_totals.html", {"totals": totals})


@login_required
def renewal_export(request):
    _form, rows, window_end, today, this_month = _renewal_rows(request)
    rows = _annotate(rows, window_end=window_end, today=today, this_month=this_month)
    header = [_("Reseller"), _("Customer"), _("Org. number"), _("Installation"),
              _("Paid until"), _("Months lapsed"), _("Estimate SSC"),
              _("Estimate NOK excl. VAT"), _("Open offer"), _("Renewal made")]
    return csv_response(f"renewals-{today:%Y-%m-%d}.csv", header, (
        [row.customer.reseller.name, row.customer.name, row.customer.org_number, row.name,
         paid_until_text(row.paid_until) or _("no history recorded"), row.months_lapsed,
         *(row.estimate or ("", "")), row.open_offer_number or "",
         _("yes") if row.renewal_exists else ""]
        for row in rows))


@login_required
def renewal_batch_detail(request, pk: int):
    batch = access.get_renewal_batch_for_user(request.user, pk)
    template = ("quotes/_batch_progress.html" if request.headers.get("HX-Request")
                else "quotes/renewal_batch.html")
    items = batch.items.select_related("customer", "quote").prefetch_related("installations")
    return render(request, template, {
        "batch": batch, "progress": batch.progress(),
        "renewal_end": pricing.renewal_end(batch.window_end),
        "failures": items.filter(status=RenewalItem.Status.FAILED),
        "skipped": items.filter(status=RenewalItem.Status.SKIPPED),
        "made": items.filter(status=RenewalItem.Status.DONE)[:200],
        "waiting": items.filter(status=RenewalItem.Status.PENDING)[:200],
    })


@login_required
@require_POST
def renewal_batch_retry(request, pk: int):
    batch: RenewalBatch = access.get_renewal_batch_for_user(request.user, pk)
    try:
        count = services.renewal_batch_retry_failed(batch=batch, user=request.user)
    except DomainError as error:
        if error.code == "customer_moved":
            raise Http404(error.message) from error
        raise
    messages.success(request, _("%(count)d offers are queued again.") % {"count": count})
    return redirect(batch)
