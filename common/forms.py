"""Form fields every app uses: month and date inputs that refuse implausible values, and model
choice fields that refuse ids no row can have — each a form error, never a database error."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from common.months import first_of_month


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
