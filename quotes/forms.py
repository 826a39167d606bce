from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError
from common.forms import (
    BoundedModelChoiceField,
    BoundedModelMultipleChoiceField,
    DateInput,
    MonthField,
    PlausibleDateField,
)
from common.languages import LANGUAGE_CHOICES
from common.months import first_of_month
from customers.models import Installation, LicenseType
from quotes import pricing, selectors
from quotes.models import PriceBook
from quotes.services.offers import end_refusal, too_many_installations
from quotes.services.price_books import effective_from_refusal


class PriceBookForm(forms.Form):
    """A draft's figures and every covered license type's rate, in one form."""

    name = forms.CharField(label=_("Name"), max_length=120)
    effective_from = PlausibleDateField(label=_("Effective from"), widget=DateInput)
    nok_per_ssc = forms.DecimalField(
        label=_("NOK per SSC"), min_value=Decimal("0.0001"), max_value=Decimal("1000"),
        max_digits=10, decimal_places=4)
    retroactive_factor = forms.DecimalField(
        label=_("Retroactive factor"), min_value=Decimal("1"), max_value=Decimal("10"),
        max_digits=5, decimal_places=2,
        help_text=_("Months paid afterwards cost this many times the advance price."))
    vat_percent = forms.DecimalField(
        label=_("VAT (%)"), min_value=Decimal("0"), max_value=Decimal("100"), max_digits=6,
        decimal_places=2)

    def __init__(self, *args, book: PriceBook, **kwargs):
        rates = {rate.license_type_id: rate.ssc_per_year for rate in book.rates.all()}
        initial = {
            "name": book.name, "effective_from": book.effective_from,
            "nok_per_ssc": book.nok_per_ssc.normalize(),
            "retroactive_factor": book.retroactive_factor.normalize(),
            "vat_percent": (book.vat_rate * 100).normalize(),
        }
        self.license_types = list(LicenseType.objects.filter(covered=True))
        for license_type in self.license_types:
            initial[self.rate_field(license_type)] = rates.get(license_type.pk)
        super().__init__(*args, initial=initial, **kwargs)
        for license_type in self.license_types:
            self.fields[self.rate_field(license_type)] = forms.IntegerField(
                label=license_type.localized_name, min_value=0, max_value=100000, required=False,
                help_text=license_type.code,
                widget=forms.NumberInput(attrs={"class": "text-end", "step": 1}),
            )

    def clean_effective_from(self):
        effective_from = self.cleaned_data["effective_from"]
        refused = effective_from_refusal(effective_from)
        if refused:
            raise forms.ValidationError(refused)
        return effective_from

    @staticmethod
    def rate_field(license_type: LicenseType) -> str:
        return f"rate_{license_type.pk}"

    def rate_fields(self):
        return [self[self.rate_field(t)] for t in self.license_types]

    def figure_fields(self):
        return [self[name] for name in ("name", "effective_from", "nok_per_ssc",
                                        "retroactive_factor", "vat_percent")]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"], "effective_from": data["effective_from"],
            "nok_per_ssc": data["nok_per_ssc"], "retroactive_factor": data["retroactive_factor"],
            "vat_rate": data["vat_percent"] / 100,
            "rates": {t.pk: data[self.rate_field(t)] for t in self.license_types},
        }


class PreviewForm(forms.Form):
    """The live price preview's inputs: the agreement's end and the date to price on."""

    end = MonthField(label=_("Agreement ends (first month not included)"), required=False)
    quote_date = PlausibleDateField(label=_("Price as of"), required=False, widget=DateInput)


@dataclass(frozen=True)
class PricedForm:
    result: pricing.PricingResult | None = None
    book: PriceBook | None = None
    default_end: date | None = None
    error: str = ""


def _common_default_end(result: pricing.PricingResult) -> date | None:
    ends = {section.end for section in result.installations if section.applicable}
    return ends.pop() if len(ends) == 1 else None


class QuoteForm(forms.Form):
    """A draft's inputs: which installations, an optional common end, the offer's language.

    The end is prefilled with the pricing rule's default when the chosen installations share
    one; that default travels back in `end_default`, so that posting it unchanged leaves the
    draft following the rule as time passes (`end_override` is then None)."""

    installations = BoundedModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label=_("Installations"))
    end = MonthField(
        label=_("Agreement ends (first month not included)"), required=False,
        help_text=_("Leave empty to give each installation its own default end."))
    language = forms.ChoiceField(label=_("Language of the offer"),
                                 choices=LANGUAGE_CHOICES)
    end_default = forms.CharField(required=False, widget=forms.HiddenInput, max_length=7)

    def __init__(self, *args, customer, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.today = today
        self.fields["installations"].queryset = customer.installations.order_by("name", "pk")
        self.fields["installations"].label_from_instance = _installation_label

    @classmethod
    def for_new_offer(cls, customer, *, today: date,
                      start_from: str | None = None) -> "QuoteForm":
        """A new offer: the installation it was started from, else the on-premise ones that owe
        something before the rule's default end (the engine gives an installation with nothing
        due no lines: one paid until 2028 is left unticked)."""
        installations = list(customer.installations.order_by("name", "pk"))
        chosen = [i for i in installations if str(i.pk) == start_from] or _owing(
            [i for i in installations if not i.is_skypbx], today)
        return cls(initial={"installations": chosen, "language": customer.language},
                   customer=customer, today=today)

    @classmethod
    def for_draft(cls, quote, *, today: date) -> "QuoteForm":
        return cls(initial={"installations": list(quote.installations.all()),
                            "end": quote.end_override, "language": quote.language},
                   customer=quote.customer, today=today)

    def clean_end(self):
        """The engine refuses an end not after the start: say so here, before anything is
        saved (quotes.services.offers refuses it too)."""
        end = self.cleaned_data["end"]
        refused = end_refusal(end, self.today)
        if refused:
            raise forms.ValidationError(refused)
        return end

    def chosen(self) -> tuple[list, date | None] | None:
        """The installations and end to price: the posted ones, or the initial ones."""
        if self.is_bound:
            if not self.is_valid():
                return None
            return list(self.cleaned_data["installations"]), self.cleaned_data["end"]
        return list(self.initial.get("installations", [])), self.initial.get("end")

    def price(self, today: date) -> PricedForm:
        """The chosen installations priced on `today`, for the live totals; an unbound form
        gets the rule's common default end prefilled."""
        chosen = self.chosen()
        if chosen is None:
            return PricedForm(error=" ".join(str(e) for errors in self.errors.values()
                                             for e in errors))
        installations, end = chosen
        if not installations:
            return PricedForm()
        loaded = selectors.with_pricing_data(Installation.objects.filter(
            pk__in=[i.pk for i in installations]).order_by("name", "pk"))
        try:
            result, book = selectors.price_installations(
                installations=list(loaded), quote_date=today, end=end)
        except DomainError as error:
            return PricedForm(error=error.message)
        default = _common_default_end(result)
        if not self.is_bound and end is None and default is not None:
            self.initial["end"] = default
            self.initial["end_default"] = f"{default:%Y-%m}"
        return PricedForm(result=result, book=book, default_end=default)

    def clean_installations(self):
        installations = self.cleaned_data["installations"]
        if len(installations) > settings.SSA_MAX_INSTALLATIONS_PER_OFFER:
            raise forms.ValidationError(too_many_installations())
        return installations

    def end_override(self) -> date | None:
        """The end to store: only one the user chose (not the prefilled default)."""
        end = self.cleaned_data["end"]
        if end is not None and self.cleaned_data.get("end_default") == f"{end:%Y-%m}":
            return None
        return end


def _owing(installations: list, today: date) -> list:
    """Those of `installations` the engine gives lines before the rule's common default end
    (all of them when they cannot be priced today: the user then chooses)."""
    if not installations:
        return []
    loaded = selectors.with_pricing_data(Installation.objects.filter(
        pk__in=[i.pk for i in installations]))
    try:
        result, _book = selectors.price_installations(
            installations=list(loaded), quote_date=today,
            end=pricing.coming_cycle_end(today))
    except DomainError:
        return installations
    owing = {section.installation_id for section in result.installations if section.lines}
    return [i for i in installations if i.pk in owing]


def _installation_label(installation) -> str:
    if installation.is_skypbx:
        return f"{installation.name} (skyPBX – {_('SSA not applicable')})"
    return f"{installation.name} ({installation.hardware_model or '?'}, " \
           f"{installation.firmware_version or '?'})"


class AcceptForm(forms.Form):
    accepted_by_name = forms.CharField(
        label=_("Accepted by (the customer's name for it)"), max_length=200,
        help_text=_("The person at the customer who said yes."))


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class QuoteFilterForm(forms.Form):
    STATES = [
        ("", _("All states")), ("draft", _("Drafts")), ("ready", _("Ready to issue")),
        ("open", _("Awaiting an answer")), ("expired", _("Expired")),
        ("accepted", _("Accepted")), ("declined", _("Declined")),
        ("superseded", _("Superseded")),
    ]
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    state = forms.ChoiceField(label=_("State"), choices=STATES, required=False)
    reseller = BoundedModelChoiceField(label=_("Reseller"), queryset=None, required=False)
    customer = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1,
                                  max_value=2**62)
    expiring_within = forms.IntegerField(label=_("Expiring within (days)"), required=False,
                                         min_value=0, max_value=366)
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput, choices=[
        (key, key) for name in ("number", "customer", "gross", "valid_until", "created")
        for key in (name, f"-{name}")])

    def __init__(self, *args, resellers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reseller"].queryset = resellers
        self.fields["state"].widget.attrs["class"] = "form-select"
        self.fields["reseller"].widget.attrs["class"] = "form-select"


class SendForm(forms.Form):
    to = forms.CharField(label=_("To"), max_length=500,
                         help_text=_("The customer's contact; several addresses with commas."))
    cc = forms.CharField(label=_("Copy to"), max_length=500, required=False)
    message = forms.CharField(label=_("Personal message (optional)"), required=False,
                              max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))

    def clean_to(self):
        return _addresses(self.cleaned_data["to"])

    def clean_cc(self):
        return _addresses(self.cleaned_data["cc"])


def _addresses(text: str) -> list[str]:
    from django.core.validators import validate_email

    addresses = [part.strip() for part in text.replace(";", ",").split(",") if part.strip()]
    for address in addresses:
        validate_email(address)
    return addresses


class VerifyForm(forms.Form):
    pdf = forms.FileField(label=_("The offer PDF"), allow_empty_file=True)


class RenewalFilterForm(forms.Form):
    ORDERS = [("paid_until", _("Paid until, earliest first")),
              ("-paid_until", _("Paid until, latest first")),
              ("customer", _("Customer")), ("reseller", _("Reseller"))]
    window_end = MonthField(label=_("Cycle ends"), required=False,
                            help_text=_("A 1 July; offers run to the cycle after it."))
    lapsed = forms.BooleanField(label=_("Lapsed only"), required=False)
    q = forms.CharField(label=_("Customer or installation"), required=False, max_length=100)
    reseller = BoundedModelChoiceField(label=_("Reseller"), queryset=None, required=False)
    order = forms.ChoiceField(label=_("Sort by"), choices=ORDERS, required=False)

    def __init__(self, *args, resellers, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["reseller"].queryset = resellers
        for name in ("reseller", "order"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def clean_window_end(self):
        window_end = self.cleaned_data["window_end"]
        if window_end is None:
            return None
        if window_end.month != 7:
            raise forms.ValidationError(_("A cycle ends on 1 July; choose a July."))
        if pricing.renewal_end(window_end) <= first_of_month(self.today):
            raise forms.ValidationError(_("That cycle's renewal would have ended already; "
                                          "choose a later July."))
        return window_end


class OnlineAcceptForm(forms.Form):
    """The customer's yes through the acceptance link: who accepts, and the terms box."""

    name = forms.CharField(label=_("Your full name"), max_length=200)
    role = forms.CharField(label=_("Your role at the company"), max_length=200)
    email = forms.EmailField(label=_("Your e-mail"), help_text=_(
        "The confirmation is sent here."))
    purchase_order = forms.CharField(label=_("Purchase order reference (optional)"),
                                     max_length=100, required=False)
    terms = forms.BooleanField(label=_("I accept the offer and its terms on behalf of the "
                                       "customer."))


class OnlineDeclineForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=200)
    reason = forms.CharField(label=_("Why do you decline?"), max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}))


class NotificationSettingsForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of e-mails"), choices=LANGUAGE_CHOICES)

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        for kind in kinds:
            self.fields[kind.value] = forms.BooleanField(label=kind.label, required=False)
