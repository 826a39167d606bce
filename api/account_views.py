"""The user's API tokens and the webhook endpoints of the user's reseller (docs/API.md): thin
pages over api/tokens.py and api/webhooks.py. A token and an endpoint's secret are shown once,
on the page that made them, and never again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from api import tokens, webhooks
from api.forms import TokenForm, WebhookForm
from common.errors import DomainError
from common.languages import offer_language
from common.web import paginate, show_error
from customers.access import is_distributor_staff, reseller_of


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = tokens.token_create(
                user=request.user, name=form.cleaned_data["name"],
                read_only=form.cleaned_data["access"] == "read")
        except DomainError as error:
            show_error(form, error)
        else:
            messages.success(request, _("Token %(name)s created. Copy it now: it is not shown "
                                        "again.") % {"name": token.name})
            form = TokenForm()
    response = render(request, "api/tokens.html", {
        "form": form, "secret": secret,
        "tokens": request.user.api_tokens.order_by("revoked_at", "-created_at", "-pk"),
    })
    response["Cache-Control"] = "no-store"  # the new token is on this page
    return response


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(request.user.api_tokens, pk=pk)
    tokens.token_revoke(token=token)
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("api_token_list")


def _may_register(user) -> bool:
    return is_distributor_staff(user) or reseller_of(user) is not None


@login_required
@require_http_methods(["GET", "POST"])
def webhook_list(request):
    form = WebhookForm(request.POST or None)
    secret = created = None
    if request.method == "POST":
        if not _may_register(request.user):
            messages.error(request, _("Your user belongs to no reseller; ask the distributor."))
            return redirect("webhook_endpoint_list")
        if form.is_valid():
            try:
                created, secret = webhooks.endpoint_create(
                    user=request.user, url=form.cleaned_data["url"],
                    events=form.cleaned_data["events"],
                    description=form.cleaned_data["description"],
                    language=offer_language(get_language()))
            except DomainError as error:
                show_error(form, error)
            else:
                messages.success(request, _("Webhook registered. Copy its secret now: it is "
                                            "not shown again."))
                form = WebhookForm()
    response = render(request, "api/webhooks.html", {
        "form": form, "secret": secret, "created": created,
        "endpoints": webhooks.endpoints_for(request.user).select_related("reseller"),
        "may_register": _may_register(request.user),
    })
    response["Cache-Control"] = "no-store"
    return response


@login_required
def webhook_detail(request, pk: int):
    endpoint = webhooks.get_endpoint_for_user(request.user, pk)
    return render(request, "api/webhook_detail.html", {
        "endpoint": endpoint, "page": paginate(request, endpoint.deliveries.all()),
    })


@login_required
@require_POST
def webhook_resume(request, pk: int):
    endpoint = webhooks.get_endpoint_for_user(request.user, pk)
    webhooks.endpoint_resume(endpoint=endpoint)
    messages.success(request, _("Webhook resumed; pending deliveries are sent again."))
    return redirect(endpoint)


@login_required
@require_http_methods(["GET", "POST"])
def webhook_delete(request, pk: int):
    endpoint = webhooks.get_endpoint_for_user(request.user, pk)
    if request.method == "POST":
        webhooks.endpoint_delete(endpoint=endpoint)
        messages.success(request, _("Webhook deleted."))
        return redirect("webhook_endpoint_list")
    return render(request, "customers/confirm.html", {
        "title": _("Delete the webhook to %(url)s?") % {"url": endpoint.url},
        "explanation": _("Its deliveries are deleted with it."),
        "cancel_url": endpoint.get_absolute_url(), "button": _("Delete"),
    })
