"""Template filters of the offer pages: money and SSC as a Norwegian or English reader expects
them (`kr 1 234,50` / `NOK 1,234.50`).

Formatting only; amounts arrive already rounded by the pricing engine.
"""

from decimal import Decimal

from django import template
from django.utils.translation import get_language, gettext

register = template.Library()

NBSP = "\u00a0"


def _group(integer_digits: str, separator: str) -> str:
    groups = []
    while len(integer_digits) > 3:
        groups.insert(0, integer_digits[-3:])
        integer_digits = integer_digits[:-3]
    groups.insert(0, integer_digits)
    return separator.join(groups)


def format_nok(amount: Decimal | int | None, language: str | None = None) -> str:
    if amount is None or amount == "":
        return ""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    sign = "−" if amount < 0 else ""
    integer, fraction = f"{abs(amount):.2f}".split(".")
    if (language or get_language() or "nb").startswith("en"):
        return f"{sign}NOK{NBSP}{_group(integer, ',')}.{fraction}"
    return f"{sign}kr{NBSP}{_group(integer, NBSP)},{fraction}"


def format_ssc(amount: int | None, language: str | None = None) -> str:
    if amount is None or amount == "":
        return ""
    separator = "," if (language or get_language() or "nb").startswith("en") else NBSP
    sign = "−" if amount < 0 else ""
    return sign + _group(str(abs(int(amount))), separator)


def format_factor(factor: Decimal) -> str:
    """2 → "2×", 1.50 → "1.5×" (or 1,5× in Norwegian)."""
    text = format(Decimal(factor).normalize(), "f")
    if not (get_language() or "nb").startswith("en"):
        text = text.replace(".", ",")
    return f"{text}×"


register.filter("nok", format_nok)
register.filter("ssc", format_ssc)
register.filter("factor", format_factor)


@register.filter
def kinds(lines):
    """The kinds present in `lines`, retroactive first, for the explanations under a table."""
    present = {line.kind for line in lines}
    return [kind for kind in ("retroactive", "coterm", "forward") if kind in present]


@register.filter
def engine_text(text):
    """The pricing engine's English texts in the user's language."""
    return gettext(text)


@register.filter
def percent(rate):
    """0.25 → 25, 0.255 → 25.5 (a VAT rate stored as a fraction, shown as a percentage)."""
    if rate is None or rate == "":
        return ""
    text = format((Decimal(rate) * 100).normalize(), "f")
    return text if (get_language() or "nb").startswith("en") else text.replace(".", ",")


@register.filter
def state_on(quote, today):
    """The state a person sees on `today` (an issued offer past its validity is expired)."""
    return quote.display_state(today)
