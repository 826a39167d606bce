"""Forms validate the shape of the input; the domain rules are checked by services.py, whose
DomainError the views show next to the field it names (common.web.show_error)."""


from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.forms import (
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
    DateInput,
    MonthField,
    PlausibleDateField,
)
from common.web import show_error
from customers import services
from customers.models import (
    AgreementPeriod,
    Customer,
    Installation,
    LicenseHolding,
    LicenseType,
    Reseller,
)
from customers.periods import validate_period
from customers.validators import normalize_org_number


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["name", "org_number", "contact_name", "email", "phone", "street",
                  "postal_code", "city", "language"]

    def clean_org_number(self):
        return normalize_org_number(self.cleaned_data["org_number"])


class CustomerCreateForm(CustomerForm):
    """Staff choose the reseller; a reseller user's customers are always their own."""

    reseller = BoundedModelChoiceField(queryset=Reseller.objects.none(), label=_("Reseller"))

    class Meta(CustomerForm.Meta):
        fields = ["reseller", *CustomerForm.Meta.fields]

    def __init__(self, *args, resellers=None, **kwargs):
        super().__init__(*args, **kwargs)
        if resellers is None:
            del self.fields["reseller"]
        else:
            self.fields["reseller"].queryset = resellers


class CustomerMoveForm(forms.Form):
    reseller = BoundedModelChoiceField(queryset=Reseller.objects.all(),
                                       label=_("New reseller"))


class InstallationForm(forms.ModelForm):
    class Meta:
        model = Installation
        fields = ["name", "deployment", "hardware_model", "firmware_version", "serial_number",
                  "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class HoldingForm(forms.ModelForm):
    class Meta:
        model = LicenseHolding
        fields = ["license_type", "quantity", "activated_on", "rented"]
        widgets = {"activated_on": DateInput()}
        field_classes = {"license_type": BoundedModelChoiceField,
                         "activated_on": PlausibleDateField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["license_type"].queryset = LicenseType.objects.all()
        self.fields["quantity"].min_value = 1
        self.fields["quantity"].widget.attrs["min"] = 1
        self.fields["quantity"].widget.attrs["max"] = 100000
        self.fields["quantity"].validators.append(
            lambda q: _raise_if(q > 100000, _("At most 100 000 licenses in one holding."))
        )


def _raise_if(condition: bool, message) -> None:
    if condition:
        raise ValidationError(message)


class HoldingEndForm(forms.Form):
    ended_on = MonthField(
        label=_("No longer in use from"),
        help_text=_("The first month in which these licenses no longer exist."),
    )
    keep = forms.IntegerField(
        label=_("Licenses that remain"), min_value=0, initial=0,
        help_text=_("If some remain, they continue as a new holding from that month."),
    )

    def __init__(self, *args, holding: LicenseHolding, **kwargs):
        super().__init__(*args, **kwargs)
        self.holding = holding
        self.fields["keep"].max_value = holding.quantity - 1
        self.fields["keep"].widget.attrs["max"] = holding.quantity - 1

    def clean(self):
        """The service's rules (customers.services.holding_end), said next to their fields."""
        data = super().clean()
        checks = [("ended_on", lambda: services.check_ended_on(data["ended_on"],
                                                              self.holding.activated_on)),
                  ("keep", lambda: services.check_keep(self.holding, data["keep"]))]
        for field, check in checks:
            if field in data:
                try:
                    check()
                except DomainError as error:
                    show_error(self, error)
        return data


class HoldingCheckboxes(forms.CheckboxSelectMultiple):
    """Carries each holding's activation date so the page can preselect by the period's end."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-activated"] = f"{instance.activated_on:%Y-%m-%d}"
        return option


class PeriodForm(forms.ModelForm):
    start = MonthField(label=_("Start (first month included)"))
    end = MonthField(label=_("End (first month not included)"))

    class Meta:
        model = AgreementPeriod
        fields = ["start", "end", "holdings", "note"]
        widgets = {"holdings": HoldingCheckboxes}
        field_classes = {"holdings": BoundedModelMultipleChoiceField}

    def __init__(self, *args, installation: Installation, **kwargs):
        super().__init__(*args, **kwargs)
        self.installation = installation
        holdings = installation.holdings.select_related("license_type")
        self.fields["holdings"].queryset = holdings
        self.fields["holdings"].label = _("Licenses this period paid for")
        self.fields["holdings"].label_from_instance = _holding_label
        if not self.is_bound and self.instance.pk is None:
            # The form preselects every holding activated before its end
            # (docs/DOMAIN.md#agreement-periods);
            # static/js/portal.js keeps that true as the user changes the end.
            end = self.initial.get("end")
            self.initial["holdings"] = [
                h.pk for h in holdings if end is None or h.activated_on < end
            ]

    def clean(self):
        """The period rules of customers/periods.py (the services' own check), said next to
        their fields before anything is saved."""
        data = super().clean()
        if not self.errors and {"start", "end", "holdings"} <= set(data):
            try:
                validate_period(installation_id=self.installation.pk, start=data["start"],
                                end=data["end"], holdings=list(data["holdings"]),
                                exclude_pk=self.instance.pk)
            except DomainError as error:
                show_error(self, error)
        return data


def _holding_label(holding: LicenseHolding) -> str:
    text = f"{holding.quantity} × {holding.license_type} ({holding.activated_on:%d.%m.%Y}"
    if holding.ended_on:
        text += f" – {holding.ended_on:%m.%Y}"
    return text + ")"


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    reseller = BoundedModelChoiceField(
        queryset=Reseller.objects.all(), label=_("Reseller"), required=False,
        help_text=_("Leave empty to invite a member of the distributor's staff."),
    )

    def clean_email(self):
        email = self.cleaned_data["email"]
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("A user with this e-mail address already exists."))
        return email
