from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.no import orgnr


def normalize_org_number(value: str) -> str:
    return orgnr.compact(value or "")


def validate_org_number(value: str) -> None:
    """A Norwegian organisation number: nine digits with a valid mod-11 check digit."""
    if not value:
        return
    if not orgnr.is_valid(value):
        raise ValidationError(
            _("%(value)s is not a valid Norwegian organisation number (nine digits, "
              "check digit mod 11)."),
            params={"value": value},
            code="invalid_org_number",
        )
