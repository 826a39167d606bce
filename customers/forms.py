"""Forms validate the shape of the input; the domain rules are checked by services.py, whose
ValidationError the views attach to the form so every message stands next to its field."""

from datetime import date

from django import forms
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from customers.models import (
    AgreementPeriod,
    Customer,
    Installation,
    LicenseHolding,
    LicenseType,
    Reseller,
)
from customers.months import first_of_month
from customers.validators import normalize_org_number


def validate_plausible_date(day: date) -> None:
    """Dates far outside the portal's working range (the year 9999 of a typo) are refused here,
    before month arithmetic runs out of calendar."""
    if day is not None and not 1990 <= day.year <= 2099:
        raise ValidationError(_("Choose a date between 1990 and 2099."), code="implausible")


def _plausible_pk(value) -> bool:
    text = str(value)
    return text.isascii() and text.isdecimal() and len(text) <= 18


class BoundedModelChoiceField(forms.ModelChoiceField):
    """Refuses ids no database row can have (non-digits, 2**63 and up) as an invalid choice,
    instead of handing them to the database driver."""

    def to_python(self, value):
        if value not in self.empty_values and not isinstance(value, self.queryset.model) and (
                not _plausible_pk(value)):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value if isinstance(value, list | tuple) else [value]:
            if not _plausible_pk(item):
                raise ValidationError(self.error_messages["invalid_choice"],
                                      code="invalid_choice", params={"value": item})
        return super()._check_values(value)


class PlausibleDateField(forms.DateField):
    default_validators = [validate_plausible_date]


class MonthInput(forms.DateInput):
    input_type = "month"

    def format_value(self, value):
        if isinstance(value, date):
            return f"{value:%Y-%m}"
        return value


class MonthField(forms.DateField):
    """A first-of-month date, typed as YYYY-MM (the browser's month picker) or a full date that
    must be the first of a month."""

    widget = MonthInput
    default_error_messages = {
        "invalid": _("Enter a month as YYYY-MM."),
        "not_first": _("Use the first day of a month."),
    }

    def to_python(self, value):
        if isinstance(value, str) and len(value.strip()) == 7:
            value = value.strip() + "-01"
        day = super().to_python(value)
        if day is not None and day != first_of_month(day):
            raise ValidationError(self.error_messages["not_first"], code="not_first")
        validate_plausible_date(day)
        return day

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d", "%Y-%m", "%d.%m.%Y"])
        super().__init__(**kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


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
        holdings = installation.holdings.select_related("license_type")
        self.fields["holdings"].queryset = holdings
        self.fields["holdings"].label = _("Licenses this period paid for")
        self.fields["holdings"].label_from_instance = _holding_label
        if not self.is_bound and self.instance.pk is None:
            # DESIGN.md §2.4: the form preselects every holding activated before its end;
            # static/js/portal.js keeps that true as the user changes the end.
            end = self.initial.get("end")
            self.initial["holdings"] = [
                h.pk for h in holdings if end is None or h.activated_on < end
            ]


def _holding_label(holding: LicenseHolding) -> str:
    text = f"{holding.quantity} × {holding.license_type.name} ({holding.activated_on:%d.%m.%Y}"
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
