"""A user's notification settings (docs/DOMAIN.md#notifications-and-reminders): the language of
their e-mails and the kinds they want, each switchable."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from customers.access import is_distributor_staff
from quotes import services
from quotes.forms import NotificationSettingsForm
from quotes.models import NotificationKind


def _kinds_for(user) -> list[NotificationKind]:
    if is_distributor_staff(user):
        return [NotificationKind.DRAFT_READY, NotificationKind.OFFER_ACCEPTED]
    return [kind for kind in NotificationKind if kind != NotificationKind.DRAFT_READY]


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    current = services.notification_settings_of(request.user)
    kinds = _kinds_for(request.user)
    form = NotificationSettingsForm(request.POST or None, kinds=kinds, initial={
        "language": current.language,
        **{kind.value: kind.value not in current.switched_off for kind in kinds}})
    if request.method == "POST" and form.is_valid():
        services.notification_settings_update(
            user=request.user, language=form.cleaned_data["language"],
            switched_on={kind for kind in kinds if form.cleaned_data[kind.value]},
            offered=set(kinds))
        messages.success(request, _("Notification settings saved."))
        return redirect("notification_settings")
    return render(request, "quotes/notification_settings.html", {"form": form})
