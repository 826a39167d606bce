from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from customers.forms import DateInput, MonthField
from customers.models import LicenseType
from quotes.models import PriceBook


class PriceBookForm(forms.Form):
    """A draft's figures and every covered license type's rate, in one form."""

    name = forms.CharField(label=_("Name"), max_length=120)
    effective_from = forms.DateField(label=_("Effective from"), widget=DateInput)
    nok_per_ssc = forms.DecimalField(
        label=_("NOK per SSC"), min_value=Decimal("0.0001"), max_digits=10, decimal_places=4)
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
                label=license_type.name, min_value=0, max_value=100000, required=False,
                help_text=license_type.code,
                widget=forms.NumberInput(attrs={"class": "text-end", "step": 1}),
            )

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
    quote_date = forms.DateField(label=_("Price as of"), required=False, widget=DateInput)
