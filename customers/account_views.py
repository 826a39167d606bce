"""Login, password reset and invitations. Django's auth views do the work; this module adds the
staff-only invitation, which sends the same kind of set-password link a reset does."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from common.clients import client_ip
from common.errors import DomainError
from common.ratelimit import RateLimit
from common.web import show_error
from customers import access, services
from customers.forms import InviteForm


def set_password_url(request, user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return request.build_absolute_uri(path)


@login_required
@require_http_methods(["GET", "POST"])
def invite(request):
    access.require_staff(request.user)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_invite(
                email=data["email"], first_name=data["first_name"],
                last_name=data["last_name"], reseller=data["reseller"],
                invited_by=request.user, staff=data["reseller"] is None,
            )
        except DomainError as error:
            show_error(form, error)
        else:
            context = {"user": user, "inviter": request.user, "reseller": data["reseller"],
                       "link": set_password_url(request, user)}
            transaction.on_commit(lambda: send_mail(
                subject=_("Your access to the SSA Portal"),
                message=render_to_string("registration/invite_email.txt", context),
                from_email=None, recipient_list=[user.email],
            ))
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": user.email})
            return redirect("invite")
    return render(request, "customers/form.html", {
        "form": form, "title": _("Invite a user"), "cancel_url": reverse("dashboard"),
        "explanation": _("The user gets an e-mail with a link to choose a password. Reseller "
                         "users see only their own reseller's customers."),
    })


class EmailLoginForm(AuthenticationForm):
    """Users log in with their e-mail address (it is their username), so the field says so."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("E-mail")
        self.fields["username"].widget.attrs.update({"autocomplete": "email",
                                                     "inputmode": "email"})


class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True
    authentication_form = EmailLoginForm


# Password-reset mail (docs/SECURITY.md#rate-limits): per client address, and per e-mail address
# asked for whether or not a user has it, so the answer says nothing about who has an account.
PASSWORD_RESETS_PER_ADDRESS = RateLimit("password-reset-address", limit=10, window=3600)
PASSWORD_RESETS_PER_EMAIL = RateLimit("password-reset-email", limit=3, window=3600)


class PasswordResetView(auth_views.PasswordResetView):
    def form_valid(self, form):
        email = form.cleaned_data["email"].strip().casefold()
        within = [PASSWORD_RESETS_PER_ADDRESS.hit(client_ip(self.request)),
                  PASSWORD_RESETS_PER_EMAIL.hit(email)]
        if not all(within):
            form.add_error(None, _("Too many password reset requests; no e-mail was sent. "
                                   "Wait up to an hour and try again."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)
