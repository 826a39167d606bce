"""The history tabs of a customer, an installation and a license holding: who changed what and
when (customers/history.py), for whoever may see the object (customers/access.py)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from common.web import paginate
from customers import access, history


@login_required
def customer_history(request, pk: int):
    customer = access.get_customer_for_user(request.user, pk)
    changes = history.customer_changes(customer, viewer=request.user)
    return _page(request, changes, customer=customer,
                 title=customer.name, back=reverse("customer_detail", args=[pk]),
                 explanation=_("Changes to the customer, its installations, their licenses and "
                               "agreement periods, newest first."))


@login_required
def installation_history(request, pk: int):
    installation = access.get_installation_for_user(request.user, pk)
    changes = history.installation_changes(installation, viewer=request.user)
    return _page(request, changes,
                 customer=installation.customer, installation=installation,
                 title=installation.name, back=reverse("installation_detail", args=[pk]),
                 explanation=_("Changes to the installation, its licenses and agreement periods, "
                               "newest first."))


@login_required
def holding_history(request, pk: int):
    holding = access.get_holding_for_user(request.user, pk)
    installation = holding.installation
    changes = history.holding_changes(holding, viewer=request.user)
    return _page(request, changes, customer=installation.customer,
                 installation=installation, holding=holding, title=str(holding),
                 back=reverse("installation_detail", args=[installation.pk]),
                 explanation=_("Changes to these licenses, newest first."))


def _page(request, changes, **context):
    return render(request, "customers/history.html", {"page": paginate(request, changes),
                                                      **context})
