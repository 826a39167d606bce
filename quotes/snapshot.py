"""What issuing copies onto an offer: every input and figure, as plain field values.

`quote_issue` saves these as the offer's row, sections, lines and charges; the benchmark data
seeder (bench/seed_bulk.py) writes the very same values with COPY, so the two cannot drift.
Pure apart from reading attributes: no queries here.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from quotes import pricing


@dataclass(frozen=True)
class SectionSnapshot:
    """One installation of an issued offer: `QuoteSection` fields, its lines and its charges."""

    fields: dict
    lines: list[dict]
    charges: list[dict]


def valid_until(issue_date: date, result: pricing.PricingResult, validity_days: int) -> date:
    """The earlier of the issue date + the validity period and the day before the earliest
    agreement end (an offer is never open for months it no longer covers)."""
    return min(issue_date + timedelta(days=validity_days),
               result.earliest_end - timedelta(days=1))


def offer_fields(*, customer, book, result: pricing.PricingResult) -> dict:
    """The offer's own frozen fields: the parties as they are now, the price book's figures and
    the totals."""
    return {
        "reseller_id": customer.reseller_id, "reseller_name": customer.reseller.name,
        "reseller_email": customer.reseller.email, "reseller_phone": customer.reseller.phone,
        "customer_name": customer.name, "customer_org_number": customer.org_number,
        "customer_address": "\n".join(customer.address_lines),
        "customer_contact": customer.contact_name, "customer_email": customer.email,
        "price_book_id": book.pk, "price_book_name": book.name,
        "nok_per_ssc": book.nok_per_ssc, "retroactive_factor": book.retroactive_factor,
        "vat_rate": book.vat_rate, "start": result.start, "total_ssc": result.ssc,
        "net": result.net, "vat": result.vat, "gross": result.gross,
        "later_ssc": result.later_ssc, "later_nok": result.later_nok,
    }


def section_snapshots(result: pricing.PricingResult, installations: dict,
                      ended_on: dict[int, date | None]) -> list[SectionSnapshot]:
    """Each priced installation as stored: `installations` by id (its hardware and firmware are
    copied), `ended_on` by holding id (accepting refuses if a charged holding's end changed)."""
    snapshots = []
    for position, section in enumerate(result.installations):
        installation = installations[section.installation_id]
        fields = {
            "installation_id": section.installation_id, "position": position,
            "name": section.name, "deployment": installation.deployment,
            "hardware_model": installation.hardware_model,
            "firmware_version": installation.firmware_version,
            "paid_until": section.paid_until, "start": section.start, "end": section.end,
            "applicable": section.applicable,
            "not_applicable_reason": section.not_applicable_reason or "",
            "warnings": list(section.warnings),
            "excluded": [{"license_code": e.license_code, "license_name": e.license_name,
                          "quantity": e.quantity, "reason": e.reason}
                         for e in section.excluded],
            "ssc": section.ssc, "nok": section.nok,
        }
        lines = [{"position": index, "license_code": line.license_code,
                  "license_name": line.license_name, "kind": line.kind, "start": line.start,
                  "end": line.end, "months": line.months, "quantity": line.quantity,
                  "ssc_per_year": line.ssc_per_year, "factor": line.factor, "ssc": line.ssc,
                  "nok": line.nok}
                 for index, line in enumerate(section.lines)]
        charges = [{"holding_id": charge.holding_id, "license_code": charge.license_code,
                    "quantity": charge.quantity, "ended_on": ended_on.get(charge.holding_id),
                    "due": charge.due}
                   for charge in section.charges]
        snapshots.append(SectionSnapshot(fields, lines, charges))
    return snapshots
