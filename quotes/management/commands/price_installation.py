"""The pricing engine's result for one installation, as a table or as JSON.

    manage.py price_installation 12 --date 2026-03-05 --end 2026-07-01 --json
"""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from customers.models import Installation
from quotes import selectors
from quotes.selectors import PricingUnavailable


def parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option} must be a date as YYYY-MM-DD, not {value!r}.") from None


def result_as_dict(result, book) -> dict:
    """Decimal values as strings, dates in ISO form: exact and easy to compare."""
    return {
        "quote_date": result.quote_date.isoformat(),
        "start": result.start.isoformat(),
        "price_book": {"id": book.pk, "name": book.name, "nok_per_ssc": str(book.nok_per_ssc),
                       "retroactive_factor": str(book.retroactive_factor),
                       "vat_rate": str(book.vat_rate)},
        "installations": [
            {
                "id": section.installation_id, "name": section.name,
                "applicable": section.applicable,
                "not_applicable_reason": section.not_applicable_reason,
                "end": section.end.isoformat(),
                "paid_until": section.paid_until.isoformat() if section.paid_until else None,
                "warnings": list(section.warnings),
                "excluded": [{"license": e.license_code, "quantity": e.quantity,
                              "reason": e.reason} for e in section.excluded],
                "lines": [
                    {"license": line.license_code, "kind": line.kind,
                     "from": line.start.isoformat(), "to": line.end.isoformat(),
                     "months": line.months, "quantity": line.quantity,
                     "ssc_per_year": line.ssc_per_year, "factor": str(line.factor),
                     "ssc": line.ssc, "nok": str(line.nok)}
                    for line in section.lines
                ],
            }
            for section in result.installations
        ],
        "totals": {"ssc": result.ssc, "net": str(result.net), "vat": str(result.vat),
                   "gross": str(result.gross)},
        "if_bought_later": {"ssc": result.later_ssc, "nok": str(result.later_nok)},
    }


class Command(BaseCommand):
    help = "Price one installation with the price book in force on a date."

    def add_arguments(self, parser):
        parser.add_argument("installation_id", type=int)
        parser.add_argument("--date", help="the quote date, YYYY-MM-DD (default: today, Oslo)")
        parser.add_argument("--end", help="the agreement's end, a first of month YYYY-MM-01")
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, installation_id, date=None, end=None, json=False, **options):
        quote_date = parse_date(date, "--date") if date else timezone.localdate()
        end_date = parse_date(end, "--end") if end else None
        installations = list(selectors.with_pricing_data(
            Installation.objects.filter(pk=installation_id)))
        if not installations:
            raise CommandError(f"There is no installation {installation_id}.")
        try:
            result, book = selectors.price_installations(
                installations=installations, quote_date=quote_date, end=end_date)
        except PricingUnavailable as error:
            raise CommandError(error.message) from None
        data = result_as_dict(result, book)
        if json:
            self.stdout.write(_json_dumps(data))
        else:
            self.write_table(data)

    def write_table(self, data: dict) -> None:
        out = self.stdout.write
        book = data["price_book"]
        out(f"Quote date {data['quote_date']} · price book {book['name']} "
            f"(NOK {book['nok_per_ssc']}/SSC, factor {book['retroactive_factor']}, "
            f"VAT {book['vat_rate']})")
        for section in data["installations"]:
            out(f"\n{section['name']} (#{section['id']}): paid until "
                f"{section['paid_until'] or 'never'}, agreement to {section['end']}")
            if not section["applicable"]:
                out(f"  {section['not_applicable_reason']}")
                continue
            for warning in section["warnings"]:
                out(f"  ! {warning}")
            out(f"  {'license':<14}{'kind':<12}{'from':<9}{'to':<9}{'mon':>4}{'qty':>6}"
                f"{'rate':>6}{'x':>5}{'SSC':>8}{'NOK':>12}")
            for line in section["lines"]:
                out(f"  {line['license']:<14}{line['kind']:<12}{line['from'][:7]:<9}"
                    f"{line['to'][:7]:<9}{line['months']:>4}{line['quantity']:>6}"
                    f"{line['ssc_per_year']:>6}{line['factor']:>5}{line['ssc']:>8}"
                    f"{line['nok']:>12}")
            for item in section["excluded"]:
                out(f"  not included: {item['quantity']} × {item['license']} ({item['reason']})")
        totals = data["totals"]
        out(f"\nTotal {totals['ssc']} SSC · net NOK {totals['net']} · VAT NOK {totals['vat']} · "
            f"gross NOK {totals['gross']}")
        later = data["if_bought_later"]
        out(f"Bought retroactively later, the forward part would cost {later['ssc']} SSC "
            f"(NOK {later['nok']}).")


def _json_dumps(data: dict) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
