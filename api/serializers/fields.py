"""Field types every API serializer shares: money as a string with two decimals, SSC as whole
numbers, dates in ISO 8601 within the portal's plausible range, and ids no row can exceed."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from common.forms import validate_plausible_date

MAX_ID = 2**62


def money(**kwargs) -> serializers.DecimalField:
    """NOK as a string with two decimals: "1234.50"."""
    return serializers.DecimalField(max_digits=20, decimal_places=2, coerce_to_string=True,
                                    read_only=True, **kwargs)


def decimal(**kwargs) -> serializers.DecimalField:
    """A figure (rate, factor) as a string with its own decimals."""
    return serializers.DecimalField(max_digits=12, decimal_places=4, coerce_to_string=True,
                                    normalize_output=True, read_only=True, **kwargs)


class PlausibleDateField(serializers.DateField):
    """An ISO date from 1990 to 2099 (the year 9999 of a typo is refused, as on the pages)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["iso-8601"])
        super().__init__(**kwargs)
        self.validators.append(validate_plausible_date)


class IdField(serializers.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


@extend_schema_field(OpenApiTypes.INT)
class ScopedIdField(serializers.PrimaryKeyRelatedField):
    """An id of a row the user may see (another reseller's reads as "does not exist"). The
    queryset comes from `scope(user)` of the request's user."""

    default_error_messages = {
        "does_not_exist": _("No object with id {pk_value} exists for you."),
    }

    def __init__(self, scope, **kwargs):
        self.scope = scope
        super().__init__(queryset=None, **kwargs)

    def get_queryset(self):
        return self.scope(self.context["request"].user)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int) or not 1 <= data <= MAX_ID:
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)
