"""The API's offer: `quotes.presentation.present_offer` (the one offer shape of the pages, the
PDF and the exports) as JSON, with what the user may do with it; and the shapes of the offer
actions' inputs. Texts of the pricing engine (warnings, reasons) in the request's language."""

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from api.serializers.fields import IdField, PlausibleDateField, ScopedIdField, decimal, money
from common.languages import LANGUAGE_CHOICES
from customers import access
from quotes.actions import Action, allowed_actions
from quotes.presentation import present_offer


class TranslatedText(serializers.CharField):
    """One of the engine's English texts (marked in quotes/selectors.py), translated."""

    def to_representation(self, value):
        return _(value) if value else ""


class LineSerializer(serializers.Serializer):
    license_code = serializers.CharField()
    license_name = serializers.CharField()
    kind = serializers.ChoiceField(choices=["retroactive", "co-term", "forward"])
    start = serializers.DateField()
    end = serializers.DateField(help_text="The first month not included.")
    months = serializers.IntegerField()
    quantity = serializers.IntegerField()
    ssc_per_year = serializers.IntegerField()
    factor = decimal()
    ssc = serializers.IntegerField()
    nok = money()


class ExcludedSerializer(serializers.Serializer):
    license_name = serializers.CharField()
    quantity = serializers.IntegerField()
    reason = TranslatedText()


class SectionSerializer(serializers.Serializer):
    installation_id = serializers.IntegerField()
    name = serializers.CharField()
    deployment = serializers.CharField()
    hardware_model = serializers.CharField()
    firmware_version = serializers.CharField()
    paid_until = serializers.DateField(allow_null=True)
    start = serializers.DateField()
    end = serializers.DateField()
    applicable = serializers.BooleanField()
    not_applicable_reason = TranslatedText()
    warnings = serializers.ListField(child=TranslatedText())
    excluded = ExcludedSerializer(many=True)
    lines = LineSerializer(many=True)
    ssc = serializers.IntegerField()
    nok = money()


class PartySerializer(serializers.Serializer):
    name = serializers.CharField()
    org_number = serializers.CharField()
    address_lines = serializers.ListField(child=serializers.CharField())
    contact = serializers.CharField()
    email = serializers.CharField()
    reseller = serializers.CharField()


class TotalsSerializer(serializers.Serializer):
    """None while a draft cannot be priced (then `error` says why)."""

    ssc = serializers.IntegerField(allow_null=True)
    net = money(allow_null=True)
    vat = money(allow_null=True)
    gross = money(allow_null=True)
    later_ssc = serializers.IntegerField(allow_null=True, help_text="The forward months bought "
                                                                    "retroactively later.")
    later_nok = money(allow_null=True)


class PricedWithSerializer(serializers.Serializer):
    book_name = serializers.CharField()
    nok_per_ssc = decimal(allow_null=True)
    retroactive_factor = decimal(allow_null=True, source="factor")
    vat_rate = decimal(allow_null=True)


STATES = ["draft", "issued", "expired", "accepted", "declined", "superseded"]


class OfferSummarySerializer(serializers.Serializer):
    """An offer in a list: its header (`present_offer`'s summary; a draft is not priced)."""

    id = serializers.IntegerField(source="quote_id")
    number = serializers.CharField(help_text="Empty for a draft.")
    state = serializers.ChoiceField(choices=STATES, source="state.value")
    state_label = serializers.CharField(source="state.label")
    is_draft = serializers.BooleanField()
    ready_to_issue = serializers.BooleanField()
    language = serializers.CharField()
    customer = PartySerializer()
    issue_date = serializers.DateField(allow_null=True)
    valid_until = serializers.DateField(allow_null=True)
    ssc = serializers.IntegerField(allow_null=True)
    net = money(allow_null=True)
    vat = money(allow_null=True)
    gross = money(allow_null=True)


class OfferSerializer(serializers.Serializer):
    """The whole offer, as its page shows it: a draft priced today, an issued offer as it was
    issued."""

    id = serializers.IntegerField(source="summary.quote_id")
    customer_id = serializers.IntegerField()
    number = serializers.CharField(source="summary.number", help_text="Empty for a draft.")
    state = serializers.ChoiceField(choices=STATES, source="summary.state.value")
    state_label = serializers.CharField(source="summary.state.label")
    is_draft = serializers.BooleanField(source="summary.is_draft")
    ready_to_issue = serializers.BooleanField(source="summary.ready_to_issue")
    language = serializers.CharField(source="summary.language")
    customer = PartySerializer(source="summary.customer")
    revision_of = serializers.CharField(help_text="The number this offer revises, if any.")
    issue_date = serializers.DateField(source="summary.issue_date", allow_null=True)
    valid_until = serializers.DateField(source="summary.valid_until", allow_null=True)
    priced_on = serializers.DateField()
    start = serializers.DateField(allow_null=True)
    earliest_end = serializers.DateField(allow_null=True)
    error = serializers.CharField(help_text="Why a draft cannot be priced today, if it cannot.")
    priced_with = PricedWithSerializer(source="*")
    totals = TotalsSerializer(source="*")
    installations = SectionSerializer(many=True, source="sections")
    pdf_ready = serializers.BooleanField()
    actions = serializers.ListField(child=serializers.ChoiceField(choices=[a.value
                                                                           for a in Action]),
                                    help_text="What the requesting user may do now.")


class _Shown:
    """`present_offer`'s presentation with what the API adds: the customer's id, whether the
    signed PDF is ready and what the user may do now."""

    def __init__(self, shown, quote, user, day):
        self._shown = shown
        self.customer_id = quote.customer_id
        self.pdf_ready = bool(quote.pdf_sha256)
        allowed = allowed_actions(quote, user, day) if user is not None else ()
        self.actions = [action.value for action in Action if action in allowed]

    def __getattr__(self, name):
        return getattr(self._shown, name)


def offer_data(quote, user, *, day=None) -> dict:
    """The API's offer: the same shape for responses and webhook deliveries (which are for no
    user: their `actions` is empty)."""
    day = day or timezone.localdate()
    return OfferSerializer(_Shown(present_offer(quote, today=day), quote, user, day)).data


# --- inputs ----------------------------------------------------------------------------------


def _installations(**kwargs):
    return serializers.ListField(child=ScopedIdField(access.installations_for), min_length=1,
                                 max_length=settings.SSA_MAX_INSTALLATIONS_PER_OFFER, **kwargs)


class OfferCreateSerializer(serializers.Serializer):
    customer = ScopedIdField(access.customers_for)
    installations = _installations()
    end = PlausibleDateField(required=False, allow_null=True,
                             help_text="A common end (a first of a month) for every installation; "
                                       "leave out to follow the pricing rule's default.")
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)


class OfferUpdateSerializer(serializers.Serializer):
    installations = _installations(required=False)
    end = PlausibleDateField(required=False, allow_null=True)
    language = serializers.ChoiceField(choices=LANGUAGE_CHOICES, required=False)


class ReadySerializer(serializers.Serializer):
    ready = serializers.BooleanField(default=True)


class AcceptSerializer(serializers.Serializer):
    accepted_by_name = serializers.CharField(max_length=200, help_text="The person at the "
                                             "customer who said yes.")


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class OfferFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=100, allow_blank=True,
                              help_text="Offer number or customer name.")
    state = serializers.ChoiceField(required=False, allow_blank=True, choices=[
        "draft", "ready", "open", "expired", "accepted", "declined", "superseded"],
        help_text="`open`: awaiting an answer; `ready`: drafts ready to issue.")
    reseller = IdField(required=False)
    customer = IdField(required=False)
    expiring_within = serializers.IntegerField(required=False, min_value=0, max_value=366,
                                               help_text="Open offers expiring within so many "
                                                         "days.")


# --- price preview ---------------------------------------------------------------------------


class PricePreviewQuerySerializer(serializers.Serializer):
    installation = serializers.ListField(
        child=IdField(), min_length=1, max_length=settings.SSA_MAX_INSTALLATIONS_PER_OFFER,
        help_text="Installation ids (repeat the parameter for several).")
    end = PlausibleDateField(required=False, help_text="A common end (a first of a month).")


class PricePreviewSerializer(serializers.Serializer):
    quote_date = serializers.DateField()
    start = serializers.DateField()
    earliest_end = serializers.DateField(allow_null=True)
    priced_with = PricedWithSerializer()
    totals = TotalsSerializer()
    installations = SectionSerializer(many=True)
