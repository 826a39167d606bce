"""Money, SSC, factors, percentages and dates as a Norwegian or an English reader expects them:
the one formatting module of the pages, the offer PDF, e-mails and the CSV exports.

Formatting only: amounts arrive already rounded by the pricing engine. The reader's language is
the active one unless a language is passed.
"""

from datetime import date
from decimal import Decimal

from django.utils import dateformat, translation
from django.utils.translation import get_language

NBSP = "\u00a0"


def _english(language: str | None) -> bool:
    return (language or get_language() or "nb").startswith("en")


def _group(integer_digits: str, separator: str) -> str:
    groups = []
    while len(integer_digits) > 3:
        groups.insert(0, integer_digits[-3:])
        integer_digits = integer_digits[:-3]
    groups.insert(0, integer_digits)
    return separator.join(groups)


def format_nok(amount: Decimal | int | None, language: str | None = None) -> str:
    """`kr 1 234,50` / `NOK 1,234.50`."""
    if amount is None or amount == "":
        return ""
    amount = Decimal(amount).quantize(Decimal("0.01"))
    sign = "−" if amount < 0 else ""
    integer, fraction = f"{abs(amount):.2f}".split(".")
    if _english(language):
        return f"{sign}NOK{NBSP}{_group(integer, ',')}.{fraction}"
    return f"{sign}kr{NBSP}{_group(integer, NBSP)},{fraction}"


def format_ssc(amount: int | None, language: str | None = None) -> str:
    """`1 234` / `1,234`."""
    if amount is None or amount == "":
        return ""
    separator = "," if _english(language) else NBSP
    sign = "−" if amount < 0 else ""
    return sign + _group(str(abs(int(amount))), separator)


def format_factor(factor: Decimal, language: str | None = None) -> str:
    """2 → "2×", 1.50 → "1.5×" (or 1,5× in Norwegian)."""
    text = format(Decimal(factor).normalize(), "f")
    if not _english(language):
        text = text.replace(".", ",")
    return f"{text}×"


def format_percent(rate: Decimal | None, language: str | None = None) -> str:
    """0.25 → 25, 0.255 → 25.5 (a VAT rate stored as a fraction, shown as a percentage)."""
    if rate is None or rate == "":
        return ""
    text = format((Decimal(rate) * 100).normalize(), "f")
    return text if _english(language) else text.replace(".", ",")


def format_unit_price(value: Decimal | None, language: str | None = None) -> str:
    """The price of one SSC with as many decimals as it has, at least two: kr 1,40 / NOK 1.425."""
    if value is None:
        return ""
    value = Decimal(value)
    places = max(2, -value.normalize().as_tuple().exponent)
    text = f"{value:.{places}f}"
    if _english(language):
        return f"NOK{NBSP}{text}"
    return f"kr{NBSP}" + text.replace(".", ",")


def long_date(day: date | None, language: str | None = None) -> str:
    """dd.mm.yyyy in Norwegian; "5 March 2026" in English."""
    if day is None:
        return ""
    if not _english(language):
        return f"{day:%d.%m.%Y}"
    with translation.override("en"):
        return dateformat.format(day, "j F Y")


def format_org_number(number: str) -> str:
    """923609016 → "923 609 016" (non-breaking spaces); anything else as it is."""
    number = (number or "").strip()
    if len(number) == 9 and number.isdigit():
        return NBSP.join((number[:3], number[3:6], number[6:]))
    return number


# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value) -> str:
    """A value as a Norwegian spreadsheet reads it from CSV: decimal commas and no grouping,
    ISO dates, empty for nothing. Text is never a formula: text starting with =, +, -, @, a tab
    or a carriage return (a customer named `=HYPERLINK(…)`) gets a leading `'`, so the
    spreadsheet shows it as text. Numbers are not text: a negative amount stays a number."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if isinstance(value, int | float):
        return str(value).replace(".", ",")
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
