"""Thin function views: read through customers/access.py, write through customers/services.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.errors import DomainError
from common.months import add_months, first_of_month, months_between
from common.web import paginate, querystring_without_page, show_error, sort_links, sort_ordering
from customers import access, services
from customers.forms import (
    CustomerCreateForm,
    CustomerForm,
    CustomerMoveForm,
    HoldingEndForm,
    HoldingForm,
    InstallationForm,
    PeriodForm,
)
from customers.timeline import AgreementTimeline

# --- customers -------------------------------------------------------------------------------


@login_required
def customer_list(request):
    query = request.GET.get("q", "")[:100]
    customers = (
        access.customers_for(request.user)
        .search(query)
        .select_related("reseller")
        .with_installation_count()
        .order_by(*sort_ordering(request.GET.get("sort", ""), CUSTOMER_ORDERINGS,
                                 default=("name", "pk")))
    )
    return render(
        request, "customers/customer_list.html",
        {"page": paginate(request, customers), "query": query,
         "querystring": querystring_without_page(request),
         "sort": sort_links(request, CUSTOMER_ORDERINGS, default="name")},
    )


CUSTOMER_ORDERINGS = {
    "name": ("name", "pk"),
    "city": ("city", "name", "pk"),
    "reseller": ("reseller__name", "name", "pk"),
    "installations": ("installation_count", "name", "pk"),
}


@login_required
@require_http_methods(["GET", "POST"])
def customer_create(request):
    resellers = access.resellers_for(request.user) if access.is_distributor_staff(
        request.user) else None
    if not access.is_distributor_staff(request.user) and access.reseller_of(request.user) is None:
        messages.error(request, _("Your user belongs to no reseller; ask the distributor."))
        return redirect("customer_list")
    form = CustomerCreateForm(request.POST or None, resellers=resellers)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reseller = data.pop("reseller", None)
        try:
            customer = services.customer_create(user=request.user, reseller=reseller, **data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Customer %(name)s created.") % {"name": customer.name})
            return redirect("customer_detail", pk=customer.pk)
    return render(request, "customers/form.html", {
        "form": form, "title": _("New customer"), "cancel_url": reverse("customer_list"),
    })


@login_required
def customer_detail(request, pk: int):
    customer = access.get_customer_for_user(request.user, pk)
    installations = (
        customer.installations.annotate(
            holding_count=Count("holdings", filter=Q(holdings__ended_on__isnull=True),
                                distinct=True),
        ).order_by("name")
    )
    return render(request, "customers/customer_detail.html", {
        "customer": customer, "installations": installations,
        "this_month": first_of_month(timezone.localdate()),
    })


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk: int):
    customer = access.get_customer_for_user(request.user, pk)
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(customer=customer, user=request.user, **form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Customer saved."))
            return redirect("customer_detail", pk=customer.pk)
    return render(request, "customers/form.html", {
        "form": form, "title": _("Edit %(name)s") % {"name": customer.name},
        "cancel_url": customer.get_absolute_url(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def customer_move(request, pk: int):
    customer = access.get_customer_for_user(request.user, pk)
    access.require_staff(request.user)
    form = CustomerMoveForm(request.POST or None, initial={"reseller": customer.reseller})
    if request.method == "POST" and form.is_valid():
        services.customer_move(customer=customer, reseller=form.cleaned_data["reseller"],
                               user=request.user)
        messages.success(request, _("%(customer)s now belongs to %(reseller)s.") % {
            "customer": customer.name, "reseller": customer.reseller.name})
        return redirect("customer_detail", pk=customer.pk)
    return render(request, "customers/form.html", {
        "form": form, "title": _("Move %(name)s to another reseller") % {"name": customer.name},
        "cancel_url": customer.get_absolute_url(), "confirm": True,
        "explanation": _("Draft offers follow the customer; issued offers stay with the reseller "
                         "named on them."),
    })


# --- installations ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def installation_create(request, customer_pk: int):
    customer = access.get_customer_for_user(request.user, customer_pk)
    form = InstallationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            installation = services.installation_create(customer=customer, **form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Installation created. Add its licenses next."))
            return redirect("installation_detail", pk=installation.pk)
    return render(request, "customers/form.html", {
        "form": form, "title": _("New installation for %(name)s") % {"name": customer.name},
        "cancel_url": customer.get_absolute_url(),
    })


@login_required
def installation_detail(request, pk: int):
    installation = access.get_installation_for_user(request.user, pk)
    today = timezone.localdate()
    this_month = first_of_month(today)
    holdings = installation.holdings.select_related("license_type").prefetch_related("periods")
    periods = installation.periods.prefetch_related("holdings__license_type")
    timeline = AgreementTimeline.build([(p.start, p.end) for p in periods], until=this_month)
    return render(request, "customers/installation_detail.html", {
        "installation": installation,
        "customer": installation.customer,
        "holdings": holdings,
        "periods": periods,
        "timeline": timeline,
        "timeline_months": _timeline_months(timeline, this_month),
        "paid_ahead": timeline.paid_until is not None and timeline.paid_until > this_month,
        "this_month": this_month,
    })


def _timeline_months(timeline, this_month):
    """The strip chart's months: the last 36 up to this month, and the months already paid
    ahead (up to 36 more), each marked covered or not, past or ahead."""
    first = add_months(this_month, -35)
    ahead = 0
    if timeline.paid_until is not None and timeline.paid_until > this_month:
        ahead = min(36, months_between(this_month, timeline.paid_until) - 1)
    return [
        {"month": month, "covered": timeline.is_covered(month), "ahead": month > this_month}
        for month in (add_months(first, i) for i in range(36 + ahead))
    ]


@login_required
@require_http_methods(["GET", "POST"])
def installation_edit(request, pk: int):
    installation = access.get_installation_for_user(request.user, pk)
    form = InstallationForm(request.POST or None, instance=installation)
    if request.method == "POST" and form.is_valid():
        try:
            services.installation_update(installation=installation, **form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Installation saved."))
            return redirect("installation_detail", pk=installation.pk)
    return render(request, "customers/form.html", {
        "form": form, "title": _("Edit %(name)s") % {"name": installation.name},
        "cancel_url": installation.get_absolute_url(),
    })


# --- holdings --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def holding_create(request, installation_pk: int):
    installation = access.get_installation_for_user(request.user, installation_pk)
    form = HoldingForm(request.POST or None, initial={"activated_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.holding_add(installation=installation, **form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Licenses added."))
            return redirect("installation_detail", pk=installation.pk)
    return render(request, "customers/form.html", {
        "form": form, "title": _("Add licenses to %(name)s") % {"name": installation.name},
        "cancel_url": installation.get_absolute_url(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def holding_edit(request, pk: int):
    holding = access.get_holding_for_user(request.user, pk)
    form = HoldingForm(request.POST or None, instance=holding)
    if request.method == "POST" and form.is_valid():
        try:
            services.holding_update(holding=holding, **form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Licenses saved."))
            return redirect("installation_detail", pk=holding.installation_id)
    return render(request, "customers/form.html", {
        "form": form, "title": _("Correct %(holding)s") % {"holding": holding},
        "cancel_url": holding.installation.get_absolute_url(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def holding_end(request, pk: int):
    holding = access.get_holding_for_user(request.user, pk)
    form = HoldingEndForm(request.POST or None, holding=holding,
                          initial={"ended_on": add_months(first_of_month(timezone.localdate()), 1)})
    if request.method == "POST" and form.is_valid():
        try:
            services.holding_end(holding=holding, **form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Licenses ended."))
            return redirect("installation_detail", pk=holding.installation_id)
    return render(request, "customers/form.html", {
        "form": form, "title": _("End %(holding)s") % {"holding": holding},
        "cancel_url": holding.installation.get_absolute_url(), "confirm": True,
    })


@login_required
@require_http_methods(["GET", "POST"])
def holding_delete(request, pk: int):
    holding = access.get_holding_for_user(request.user, pk)
    if request.method == "POST":
        try:
            services.holding_delete(holding=holding)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Licenses deleted."))
        return redirect("installation_detail", pk=holding.installation_id)
    return render(request, "customers/confirm.html", {
        "title": _("Delete %(holding)s?") % {"holding": holding},
        "explanation": _("Delete only a holding entered by mistake. Licenses that were removed "
                         "from the PBX are ended from a month instead."),
        "cancel_url": holding.installation.get_absolute_url(), "button": _("Delete"),
    })


# --- agreement periods -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def period_create(request, installation_pk: int):
    installation = access.get_installation_for_user(request.user, installation_pk)
    form = PeriodForm(request.POST or None, installation=installation)
    if request.method == "POST" and form.is_valid():
        try:
            services.period_create(installation=installation, user=request.user,
                                   **form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Agreement period added."))
            return redirect("installation_detail", pk=installation.pk)
    return render(request, "customers/form.html", {
        "form": form, "title": _("Add an agreement period to %(name)s") % {
            "name": installation.name},
        "cancel_url": installation.get_absolute_url(),
        "explanation": _("History brought from elsewhere: the months in which this installation "
                         "had an SSA, and the licenses it paid for."),
    })


@login_required
@require_http_methods(["GET", "POST"])
def period_edit(request, pk: int):
    period = access.get_period_for_user(request.user, pk)
    form = PeriodForm(request.POST or None, instance=period, installation=period.installation)
    if request.method == "POST" and form.is_valid():
        try:
            services.period_update(period=period, **form.cleaned_data)
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Agreement period saved."))
            return redirect("installation_detail", pk=period.installation_id)
    return render(request, "customers/form.html", {
        "form": form, "title": _("Edit agreement period %(period)s") % {"period": period},
        "cancel_url": period.installation.get_absolute_url(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def period_delete(request, pk: int):
    period = access.get_period_for_user(request.user, pk)
    if request.method == "POST":
        try:
            services.period_delete(period=period)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Agreement period deleted."))
        return redirect("installation_detail", pk=period.installation_id)
    return render(request, "customers/confirm.html", {
        "title": _("Delete agreement period %(period)s?") % {"period": period},
        "explanation": _("The licenses it paid for become due again from its start."),
        "cancel_url": period.installation.get_absolute_url(), "button": _("Delete"),
    })
