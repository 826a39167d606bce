"""Seed a large, realistic data set for the page benchmarks (issue 8).

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ssa_bench \
        python -m bench.seed_bulk --customers 10000   # ≈ 20,000 installations, ≈ 90,000 offers

`make bench` runs it (with `--if-empty`) before the benchmarks. From the command line it seeds
the database of DATABASE_URL, else BENCH_DATABASE_URL, else `ssa_bench` on 127.0.0.1 — never
the embedded development SQLite. The tests call `seed(...)` directly, on their own database.

Run it once on an empty, migrated database (PostgreSQL for the benchmarks; SQLite works too, for
the tests). It refuses a database that holds bulk data already: `already_seeded()` (a reseller
named `BULK_MARKER` exists) is the cheap check a bench runner makes before calling it.

What it makes, spread over 20 resellers (one login each, bulk-reseller-NN@ssa.example.no, plus
the staff login bulk-staff@ssa.example.no; password `customers.demo.DEMO_PASSWORD`):

* customers with Norwegian names, valid organisation numbers and addresses; ≈ 2 installations
  each (≈ 5 % skyPBX), ≈ 5 license holdings each (several types, some not covered, a few rented,
  some added mid-term, some ended with a smaller remainder as `holding_end` leaves them);
* agreement history: yearly 1 July – 1 July periods entered by hand before the portal era, then
  one renewal round per season in which an offer is issued, revised, accepted, declined or left
  to expire. An accepted offer makes the periods acceptance makes (one [due(h), E) per distinct
  due date, source "quote", linked to the offer), so installations lapse, come back with
  retroactive lines, co-term licenses added mid-term, and the renewals worklist has lapsed and
  due installations;
* every issued offer is priced by the real engine (quotes/pricing.py) on its issue date against
  the installation as it stood that day, and its frozen values are the ones `quote_issue`
  stores — `quotes.snapshot`'s `offer_fields`, `section_snapshots` and `valid_until`, the same
  functions, only written with COPY — plus what issuing adds around them: number
  SSA-<year>-<5 digits> (gapless per year in issue order, QuoteCounter set to the last one),
  revisions -R2/-R3 superseding their predecessor, a 192-bit verification token, and the
  timeline events.

The offers have no signed PDF (`pdf_sha256` empty, `pdf_attempts` 0): their page says the PDF is
being prepared. Run no `db_worker` and no `prepare_missing_pdfs` against a bench database — the
sweeper would queue a PDF render for every one of the ≈ 90,000 issued offers.

Deterministic for a given `--seed`, `--today` and `--customers` (the verification tokens too, so
this is benchmark data, never production data). The mean offers per customer (--quotes-per-
customer) saturates near 9: offers go back only to the first season with a price book in force.
Rows are built in Python with their primary keys and written in one transaction — COPY on
PostgreSQL, with the per-row foreign-key triggers off where the role may (then every reference is
checked set-wise before commit) — followed by `VACUUM ANALYZE`. docs/PERFORMANCE.md describes
the data set and the benchmarks that read it.
"""
# Run as `python -m bench.seed_bulk`, Django is set up before the models are imported:
# ruff: noqa: E402

import argparse
import base64
import json
import os
import random
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

if __name__ == "__main__":
    from bench.run import setup_django

    setup_django(database_url=os.environ.get("DATABASE_URL"))

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, User
from django.db import DatabaseError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from common.months import add_months, first_july_after, first_of_month
from customers import services as customer_services
from customers.access import STAFF_GROUP
from customers.demo import DEMO_PASSWORD, MODELS, valid_org_number
from customers.models import (
    AgreementPeriod,
    Customer,
    Deployment,
    FirmwareRelease,
    Installation,
    LicenseHolding,
    LicenseType,
    Membership,
    PeriodSource,
    Reseller,
)
from quotes import pricing, snapshot
from quotes.models import (
    PriceBook,
    Quote,
    QuoteCharge,
    QuoteCounter,
    QuoteEvent,
    QuoteLine,
    QuoteSection,
    QuoteState,
)

STAFF_USERNAME = "bulk-staff@ssa.example.no"
RESELLER_USERNAME = "bulk-reseller-{:02d}@ssa.example.no"

RESELLERS = [  # name, home city; the first one's name is the marker
    ("Agder Telekom AS", "Kristiansand"),
    ("Fjordnett Kommunikasjon AS", "Bergen"),
    ("Trøndelag IP-Tele AS", "Trondheim"),
    ("Viken Bedriftstelefoni AS", "Drammen"),
    ("Rogaland Telesystemer AS", "Stavanger"),
    ("Innlandet Kommunikasjon AS", "Hamar"),
    ("Nordvest Tele AS", "Molde"),
    ("Haugaland Nett og Tele AS", "Haugesund"),
    ("Østfold Telefoni AS", "Fredrikstad"),
    ("Vestfold Kommunikasjonssystemer AS", "Tønsberg"),
    ("Telemark Tele og Data AS", "Skien"),
    ("Hålogaland Telekom AS", "Bodø"),
    ("Finnmark Kommunikasjon AS", "Alta"),
    ("Oslofjord Telefonsentraler AS", "Oslo"),
    ("Romerike IP-Systemer AS", "Lillestrøm"),
    ("Sunnmøre Datatele AS", "Ålesund"),
    ("Troms Telefoni AS", "Tromsø"),
    ("Gudbrandsdal Tele AS", "Lillehammer"),
    ("Hardanger Kommunikasjon AS", "Voss"),
    ("Follo Telesystemer AS", "Ski"),
]
BULK_MARKER = RESELLERS[0][0]

CITIES = {  # city: (postal code, streets)
    "Kristiansand": ("4611", ["Markens gate", "Dronningens gate", "Vestre Strandgate"]),
    "Bergen": ("5003", ["Bryggen", "Strandgaten", "Kong Oscars gate", "Damsgårdsveien"]),
    "Trondheim": ("7011", ["Munkegata", "Kongens gate", "Fjordgata", "Innherredsveien"]),
    "Drammen": ("3017", ["Bragernes torg", "Grønland", "Tollbugata"]),
    "Stavanger": ("4006", ["Kirkegata", "Verksgata", "Løkkeveien", "Madlaveien"]),
    "Hamar": ("2317", ["Torggata", "Strandgata", "Grønnegata"]),
    "Molde": ("6413", ["Storgata", "Fjordgata", "Romsdalsgata"]),
    "Haugesund": ("5527", ["Haraldsgata", "Smedasundet", "Skåregata"]),
    "Fredrikstad": ("1606", ["Nygaardsgata", "Storgata", "Brochs gate"]),
    "Tønsberg": ("3111", ["Storgaten", "Nedre Langgate", "Kaigaten"]),
    "Skien": ("3724", ["Hesselbergs gate", "Langbrygga", "Telemarksgata"]),
    "Bodø": ("8006", ["Storgata", "Sjøgata", "Olav V gate"]),
    "Alta": ("9510", ["Markveien", "Bjørn Wirkolas vei", "Løkkeveien"]),
    "Oslo": ("0150", ["Karl Johans gate", "Thorvald Meyers gate", "Bogstadveien", "Stranden",
                      "Nydalsveien", "Karenslyst allé", "Frognerveien"]),
    "Lillestrøm": ("2000", ["Storgata", "Jonas Lies gate", "Nittedalsgata"]),
    "Ålesund": ("6002", ["Kongens gate", "Keiser Wilhelms gate", "Apotekergata"]),
    "Tromsø": ("9008", ["Storgata", "Grønnegata", "Sjøgata"]),
    "Lillehammer": ("2609", ["Storgata", "Kirkegata", "Elvegata"]),
    "Voss": ("5700", ["Vangsgata", "Uttrågata", "Strandavegen"]),
    "Ski": ("1400", ["Jernbanevegen", "Idrettsvegen", "Nordbyveien"]),
    "Sandnes": ("4307", ["Langgata", "Jernbanegata"]),
    "Asker": ("1383", ["Føyka", "Knud Askers vei"]),
    "Sandvika": ("1338", ["Rådmann Halmrasts vei", "Sandviksveien"]),
    "Gjøvik": ("2815", ["Storgata", "Jernbanegata"]),
    "Harstad": ("9405", ["Sjøgata", "Rikard Kaarbøs gate"]),
    "Narvik": ("8514", ["Kongens gate", "Havnegata"]),
    "Arendal": ("4836", ["Langbryggen", "Vestregate"]),
    "Larvik": ("3256", ["Storgata", "Prinsegata"]),
    "Moss": ("1530", ["Dronningens gate", "Kongensgate"]),
    "Halden": ("1771", ["Storgata", "Tollbugata"]),
}
PREFIXES = [
    "Bryggen", "Fjord", "Nordlys", "Vestkyst", "Kyst", "Fjell", "Elve", "Solberg", "Haug", "Berg",
    "Lia", "Nes", "Vik", "Strand", "Havn", "Skog", "Dal", "Brekke", "Holm", "Sund", "Øy", "Nordic",
    "Polar", "Midt", "Sør", "Aurora", "Fosen", "Jæren", "Hadeland", "Lofoten", "Sotra", "Askøy",
    "Fana", "Nydalen", "Majorstuen", "Frogner", "Skøyen", "Grünerløkka", "Bærum", "Ringerike",
    "Hallingdal", "Valdres", "Setesdal", "Ryfylke", "Sogn", "Nordfjord", "Romsdal", "Helgeland",
    "Vesterålen", "Senja", "Varanger", "Namdal", "Orkla", "Gauldal", "Toten", "Solør", "Odal",
    "Glåmdal", "Hedmark", "Eiker", "Lågen", "Numedal", "Grenland", "Lister", "Dalane", "Karmøy",
    "Sunnfjord", "Nordmøre", "Innherred", "Ofoten", "Salten", "Finnskogen", "Trysil", "Rena",
    "Nordkapp", "Tana", "Kvinesdal", "Mandal", "Tvedestrand",
]
TRADES = [
    "Regnskap", "Tannklinikk", "Rør og Varme", "Eiendom", "Advokatfirma", "Helsesenter",
    "Logistikk", "Hotell", "Bilsenter", "Sjømat", "Elektro", "Transport", "Arkitekter",
    "Legesenter", "Data", "Bygg", "Maskin", "Marine Service", "Revisjon", "Consulting",
    "Entreprenør", "Tannlegesenter", "Eiendomsmegling", "Fysioterapi", "Barnehage", "Reiseliv",
    "Kraft", "Sparebank", "Forsikring", "Regnskapskontor", "Trelast", "Bakeri", "Rørlegger",
    "Sykehjem", "Bilutleie", "Energi", "Renhold", "Vekst", "Auto", "Handel", "Grossist",
    "Fiskeeksport", "Havbruk", "Boligbyggelag", "Kommunale Eiendom",
]
FORMS = ["AS"] * 17 + ["DA", "SA", "KF", "ANS"]
FIRST_NAMES = ["Anne", "Per", "Silje", "Lars", "Marit", "Jonas", "Hilde", "Erik", "Tone",
               "Magnus", "Ingrid", "Ola", "Kari", "Nora", "Emil", "Sofie", "Henrik", "Ida",
               "Sindre", "Camilla", "Øyvind", "Åse", "Bjørn", "Line", "Kristian", "Mona"]
LAST_NAMES = ["Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen",
              "Jensen", "Karlsen", "Dahl", "Hansen", "Berg", "Haugen", "Hagen", "Johnsen",
              "Eriksen", "Lie", "Moen", "Solberg", "Strand", "Bakken", "Lunde", "Aas", "Vik"]
SITES = ["Hovedkontor", "Avdeling", "Lager", "Filial"]
FIRMWARE_WEIGHTS = {"16r1": 10, "15r1": 14, "14r2": 12, "14r1": 8, "13r3": 6, "13r2": 3,
                    "13r1": 2, "12r2": 1, "12r1": 1}
DECLINE_REASONS = ["Bytter leverandør.", "Ikke budsjett i år.", "Vurderer skyPBX.",
                   "For dyrt.", "Tar det opp igjen til høsten.", ""]
PORT_SIZES = [4, 6, 8, 10, 12, 16, 20, 25, 30, 40, 50, 60, 80, 120, 200]
PORT_WEIGHTS = [4, 6, 9, 10, 10, 9, 9, 7, 7, 6, 5, 3, 3, 2, 1]

# How a customer treats its SSA: share of customers, whether it had agreements before the
# portal, and how likely it accepts a renewal offer.
PROFILES = {  # name: (weight, history before the portal, acceptance)
    "steady": (55, "full", 0.92),
    "wobbly": (18, "full", 0.6),
    "churned": (10, "partial", 0.1),
    "never": (7, "none", 0.15),
    "new": (10, "none", 0.85),
}
OSLO = ZoneInfo("Europe/Oslo")


class SeedError(Exception):
    """The seed refuses; nothing was written."""


def already_seeded() -> bool:
    """Whether this database holds the bulk data set (the bench runner seeds only once)."""
    return Reseller.objects.filter(name=BULK_MARKER).exists()


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, clock(hour, minute), tzinfo=OSLO)


def _ascii(text: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "ü": "u", "é": "e"})
    return "".join(ch for ch in text.lower().translate(table) if ch.isalnum())


# --- writing rows fast ---------------------------------------------------------------------


class Table:
    """Rows for one table as tuples in a fixed column order; every NOT NULL column the seed
    leaves out gets its model default (so a new model field cannot be forgotten silently)."""

    def __init__(self, model, columns: list[str]):
        self.model = model
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.columns = list(columns)
        rest = [name for name, f in fields.items()
                if name not in self.columns and not f.null and not f.primary_key]
        tail = []
        for name in rest:
            default = fields[name].get_default()
            if default is None:
                raise SeedError(f"seed_bulk sets no value for {model.__name__}.{name}.")
            tail.append(default)
        self.named = tuple(self.columns)
        self.columns += rest
        self.tail = tuple(tail)
        self.fields = [fields[name] for name in self.columns]
        self.rows: list[tuple] = []
        self.last_id = 0

    def add(self, *values) -> None:
        self.rows.append(values + self.tail if self.tail else values)

    def add_fields(self, values: dict) -> None:
        """A row from field values by column name: exactly the columns this table names, so a
        field `quotes.snapshot` gains is an error here, never silently left to its default."""
        try:
            row = tuple([values[name] for name in self.named])
        except KeyError:
            row = None
        if row is None or len(values) != len(row):
            raise SeedError(f"seed_bulk writes {sorted(self.named)} to "
                            f"{self.model.__name__}, not {sorted(values)}.")
        self.rows.append(row + self.tail if self.tail else row)

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id


class Writer:
    """COPY on PostgreSQL; executemany elsewhere (the tests' SQLite). Primary keys are given
    by the seed (from the table's current maximum), then the sequence is moved past them."""

    def __init__(self, batch_size: int):
        self.batch_size = batch_size
        self.postgres = connection.vendor == "postgresql"
        self.written: list = []
        # PostgreSQL checks each row's foreign keys with a trigger queued until commit: about
        # half the seed's time. Where the role may (a superuser, as on the bench server), the
        # triggers are off for this transaction and check_references() checks every
        # reference of the written tables at once instead.
        self.triggers_off = False
        if self.postgres:
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SET LOCAL session_replication_role = replica")
                self.triggers_off = True
            except DatabaseError:
                pass

    def check_references(self) -> None:
        """Every foreign key of every table written points at a row (set-wise, fast)."""
        if not self.triggers_off:
            if self.postgres:  # fire the queued checks now, inside the timed phase
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            return
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
            for model in dict.fromkeys(self.written):
                for f in model._meta.concrete_fields:
                    if not (f.is_relation and f.db_constraint):
                        continue
                    child, column = quote(model._meta.db_table), quote(f.column)
                    parent = quote(f.related_model._meta.db_table)
                    key = quote(f.target_field.column)
                    cursor.execute(
                        f"SELECT {column} FROM {child} c WHERE {column} IS NOT NULL AND NOT "  # noqa: S608
                        f"EXISTS (SELECT 1 FROM {parent} p WHERE p.{key} = c.{column}) LIMIT 1")
                    dangling = cursor.fetchone()
                    if dangling is not None:
                        raise SeedError(f"{model.__name__}.{f.name} = {dangling[0]} points at "
                                        "nothing; nothing was written.")

    def table(self, model, columns: list[str], *, with_ids: bool = False) -> Table:
        table = Table(model, (["id"] if with_ids else []) + columns)
        if with_ids:
            table.last_id = model.objects.aggregate(last=Max("pk"))["last"] or 0
        return table

    def write(self, table: Table) -> int:
        name = connection.ops.quote_name(table.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(c) for c in table.columns)
        with connection.cursor() as cursor:
            if self.postgres:
                json_at = [n for n, f in enumerate(table.fields) if f.get_internal_type()
                           == "JSONField"]
                with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for row in table.rows:
                        if json_at:
                            row = list(row)
                            for n in json_at:
                                row[n] = json.dumps(row[n])
                        copy.write_row(row)
                if table.columns[0] == "id" and table.rows:
                    # Table and column names come from the model's meta, quoted.
                    move = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), (SELECT MAX(id) FROM {name}))"  # noqa: E501, S608
                    cursor.execute(move, [table.model._meta.db_table])
            else:
                marks = ", ".join(["%s"] * len(table.columns))
                prepare = [f.get_db_prep_save for f in table.fields]
                sql = f"INSERT INTO {name} ({columns}) VALUES ({marks})"  # noqa: S608
                for offset in range(0, len(table.rows), self.batch_size):
                    cursor.executemany(sql, [
                        tuple(p(v, connection) for p, v in zip(prepare, row, strict=True))
                        for row in table.rows[offset:offset + self.batch_size]])
        self.written.append(table.model)
        count = len(table.rows)
        table.rows = []  # free the memory as soon as the rows are in
        return count


# --- the in-memory plan --------------------------------------------------------------------


@dataclass(eq=False, slots=True)
class HoldingPlan:
    id: int
    license_type: LicenseType
    quantity: int
    activated_on: date
    rented: bool
    ended_on: date | None = None
    replacement: "HoldingPlan | None" = None
    # The engine's input, by (ended, language): built once each.
    inputs: dict = field(default_factory=dict)

    def engine_input(self, day: date, language: str = "nb") -> pricing.HoldingIn:
        """The holding as the portal knew it on `day` (its end is recorded from that month),
        its license type named in `language` as `selectors.installation_inputs` names it."""
        ended = self.ended_on is not None and self.ended_on <= day
        cached = self.inputs.get((ended, language))
        if cached is None:
            lt = self.license_type
            cached = self.inputs[ended, language] = pricing.HoldingIn(
                id=self.id, license_code=lt.code, license_name=lt.name_in(language),
                covered=lt.covered, rented=self.rented, quantity=self.quantity,
                activated_on=self.activated_on, ended_on=self.ended_on if ended else None,
                catalogue_order=lt.sort_order)
        return cached


@dataclass(eq=False, slots=True)
class PeriodPlan:
    id: int
    start: date
    end: date
    source: str
    holdings: list[HoldingPlan]
    created_at: datetime
    created_by: int
    quote: "QuotePlan | None" = None
    cached: pricing.PeriodIn | None = None

    def engine_input(self) -> pricing.PeriodIn:
        if self.cached is None:
            self.cached = pricing.PeriodIn(start=self.start, end=self.end,
                                           holding_ids=frozenset(h.id for h in self.holdings))
        return self.cached

    def add(self, holding: HoldingPlan) -> None:
        if holding not in self.holdings:
            self.holdings.append(holding)
            self.cached = None


@dataclass(eq=False, slots=True)
class InstallationPlan:
    id: int
    name: str
    deployment: str
    hardware_model: str
    firmware_version: str
    activated: date
    holdings: list[HoldingPlan] = field(default_factory=list)
    additions: list[HoldingPlan] = field(default_factory=list)
    periods: list[PeriodPlan] = field(default_factory=list)
    busy_until: date = date.min

    @property
    def on_premise(self) -> bool:
        return self.deployment == Deployment.ON_PREMISE

    def engine_input(self, day: date, releases: dict[str, date],
                     language: str = "nb") -> pricing.InstallationIn:
        return pricing.InstallationIn(
            id=self.id, name=self.name, deployment=self.deployment,
            firmware_version=self.firmware_version,
            firmware_released_on=releases.get(self.firmware_version.strip().lower()),
            holdings=tuple(h.engine_input(day, language) for h in self.holdings
                           if h.activated_on <= day),
            periods=tuple(p.engine_input() for p in self.periods),
        )

    def paid_until(self) -> date | None:
        return max((p.end for p in self.periods), default=None)

    def covered(self, month: date) -> bool:
        return any(p.start <= month < p.end for p in self.periods)


@dataclass(eq=False, slots=True)
class CustomerPlan:
    """`record` is the customer as its row is written: an unsaved `Customer` with its reseller
    attached, which `quotes.snapshot.offer_fields` reads as `quote_issue` reads the saved one."""

    record: Customer
    reseller_index: int
    profile: str
    installations: list[InstallationPlan] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.record.pk

    @property
    def reseller(self) -> Reseller:
        return self.record.reseller

    @property
    def language(self) -> str:
        return self.record.language

    @property
    def email(self) -> str:
        return self.record.email

    @property
    def created_at(self) -> datetime:
        return self.record.created_at


@dataclass(eq=False, slots=True)
class QuotePlan:
    id: int
    customer: CustomerPlan
    installations: list[InstallationPlan]
    row: dict
    predecessor: "QuotePlan | None" = None
    depth: int = 0
    # (section id, installation id, applicable, end, [(holding id, due)]) for acceptance
    sections: list[tuple[int, int, bool, date, list[tuple[int, date]]]] = field(
        default_factory=list)
    events: list[tuple[datetime, int | None, str, object]] = field(default_factory=list)

    @property
    def state(self) -> str:
        return self.row["state"]


QUOTE_COLUMNS = [
    "state", "ready_to_issue", "customer_id", "end_override", "language", "created_at",
    "created_by_id", "revision_of_id", "number", "number_year", "number_sequence", "revision",
    "issued_at", "issued_by_id", "issue_date", "valid_until", "reseller_id", "reseller_name",
    "reseller_email", "reseller_phone", "customer_name", "customer_org_number", "customer_address",
    "customer_contact", "customer_email", "price_book_id", "price_book_name", "nok_per_ssc",
    "retroactive_factor", "vat_rate", "start", "total_ssc", "net", "vat", "gross", "later_ssc",
    "later_nok", "verification_token", "answered_at", "answered_by_id", "accepted_by_name",
    "decline_reason",
]


def seed(*, customers: int = 10000, quotes_per_customer: float = 10.0, seed: int = 2026,
         today: date | None = None, batch_size: int = 5000, if_empty: bool = False,
         stdout=None) -> None:
    """Seed `customers` customers with their history and offers into the default database,
    reporting progress to `stdout` (default: sys.stdout). `today` is the day the data leads up
    to (default: today); `batch_size` the rows per INSERT where COPY is not available; with
    `if_empty` a database that holds the data set already is left as it is. Raises SeedError,
    having written nothing, when it refuses."""
    BulkSeed(stdout or sys.stdout).run(
        customers=customers, quotes_per_customer=quotes_per_customer, seed=seed, today=today,
        batch_size=batch_size, if_empty=if_empty)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.seed_bulk",
        description="Seed a large, realistic data set for the page benchmarks (bulk inserts) "
                    "into the database of DATABASE_URL (else BENCH_DATABASE_URL, else "
                    "ssa_bench on 127.0.0.1).")
    parser.add_argument("--customers", type=int, default=10000)
    parser.add_argument("--quotes-per-customer", type=float, default=10.0,
                        help="the mean number of offers per customer (default 10)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    parser.add_argument("--today", type=date.fromisoformat, default=None,
                        help="the day the data leads up to, YYYY-MM-DD (default: today)")
    parser.add_argument("--batch-size", type=int, default=5000,
                        help="rows per INSERT where COPY is not available")
    parser.add_argument("--if-empty", action="store_true",
                        help="do nothing (and succeed) when the data set is already there")
    args = parser.parse_args(argv)
    try:
        seed(customers=args.customers, quotes_per_customer=args.quotes_per_customer,
             seed=args.seed, today=args.today, batch_size=args.batch_size,
             if_empty=args.if_empty)
    except SeedError as error:
        print(f"seed_bulk: {error}", file=sys.stderr)
        return 1
    return 0


class BulkSeed:
    """One run: the plan in memory (customers, installations, history, offers), then the rows."""

    def __init__(self, stdout):
        self.stdout = stdout

    def say(self, text: str) -> None:
        print(text, file=self.stdout, flush=True)

    def run(self, *, customers: int, quotes_per_customer: float, seed: int, today: date | None,
            batch_size: int, if_empty: bool) -> None:
        if customers < 1:
            raise SeedError("--customers must be at least 1.")
        if if_empty and already_seeded():
            self.say("The bulk data set is already there; nothing to do.")
            return
        if already_seeded():
            raise SeedError(f"This database already holds the bulk data set (reseller "
                            f"{BULK_MARKER!r} exists); seed a fresh database instead.")
        self.rng = random.Random(seed)  # noqa: S311 - benchmark data, reproducible on purpose
        self.today = today or timezone.localdate()
        self.target = quotes_per_customer
        self.started = time.monotonic()
        self.load_reference_data()
        with transaction.atomic():
            self.writer = Writer(batch_size)
            self.build(customers)
            with self.phase("foreign key checks"):
                self.writer.check_references()
            with self.phase("installations' paid-until"):
                customer_services.installations_refresh_paid_until(Installation.objects.all())
        if connection.vendor == "postgresql":
            # Statistics for the planner and, where no transaction is open around the seed
            # (VACUUM refuses to run inside one, as in the tests), the visibility map.
            statement = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            with self.phase(statement), connection.cursor() as cursor:
                cursor.execute(statement)
        self.report()

    # --- bookkeeping ----------------------------------------------------------------------

    def phase(self, name: str):
        say = self.say

        class Phase:
            rows = 0

            def __enter__(self):
                self.started = time.monotonic()
                return self

            def __exit__(self, *exc):
                if exc[0] is None:
                    rows = f"{self.rows:>10,} rows" if self.rows else " " * 15
                    say(f"  {name:<32}{rows} {time.monotonic() - self.started:6.1f} s")
                return False

        return Phase()

    def load_reference_data(self) -> None:
        self.types = {t.code: t for t in LicenseType.objects.all()}
        missing = {"port", "uc", "voicemail"} - set(self.types)
        if missing:
            raise SeedError(f"The license catalogue lacks {', '.join(sorted(missing))}; "
                            "run the migrations first.")
        self.releases = {v.lower(): d for v, d in FirmwareRelease.objects.values_list(
            "version", "released_on")}
        self.release_dates = sorted(self.releases.values())
        self.books = [(book, pricing.PriceBookIn(
            nok_per_ssc=book.nok_per_ssc, retroactive_factor=book.retroactive_factor,
            vat_rate=book.vat_rate, rates=book.rate_map()))
            for book in PriceBook.objects.published().order_by("effective_from")]
        if not self.books:
            raise SeedError("No published price book; run the migrations first.")
        first_book_day = self.books[0][0].effective_from
        # The portal era: offers exist from the first season with a book in force.
        self.first_season = max(first_book_day.year + (first_book_day > date(
            first_book_day.year, 1, 15)), self.today.year - 8)
        self.current_season = self.today.year if self.today >= date(self.today.year, 1, 15) \
            else self.today.year - 1

    def book_on(self, day: date):
        found = None
        for book, book_in in self.books:
            if book.effective_from <= day:
                found = (book, book_in)
        return found

    def newest_release_on(self, day: date) -> date | None:
        known = [d for d in self.release_dates if d <= day]
        return known[-1] if known else None

    # --- the seed -------------------------------------------------------------------------

    def build(self, count: int) -> None:
        w = self.writer
        with self.phase("resellers and users") as phase:
            phase.rows = self.seed_resellers()
        self.customer_rows = w.table(Customer, [
            "reseller_id", "name", "org_number", "contact_name", "email", "phone", "street",
            "postal_code", "city", "language", "created_at"], with_ids=True)
        self.installation_rows = w.table(Installation, [
            "customer_id", "name", "deployment", "hardware_model", "firmware_version",
            "serial_number"], with_ids=True)
        self.holding_rows = w.table(LicenseHolding, [
            "installation_id", "license_type_id", "quantity", "activated_on", "ended_on",
            "rented"], with_ids=True)
        self.period_rows = w.table(AgreementPeriod, [
            "installation_id", "start", "end", "source", "note", "created_at", "created_by_id"],
            with_ids=True)
        self.quote_rows = w.table(Quote, QUOTE_COLUMNS, with_ids=True)
        self.section_rows = w.table(QuoteSection, [
            "quote_id", "installation_id", "position", "name", "deployment", "hardware_model",
            "firmware_version", "paid_until", "start", "end", "applicable",
            "not_applicable_reason", "warnings", "excluded", "ssc", "nok"], with_ids=True)
        self.line_rows = w.table(QuoteLine, [
            "quote_id", "section_id", "position", "license_code", "license_name", "kind",
            "start", "end", "months", "quantity", "ssc_per_year", "factor", "ssc", "nok"])
        self.charge_rows = w.table(QuoteCharge, [
            "quote_id", "section_id", "holding_id", "license_code", "quantity", "ended_on", "due"])
        with self.phase("customers and installations") as phase:
            plans = [self.plan_customer() for _ in range(count)]
            phase.rows = len(plans)
        with self.phase("history and offers (pricing)") as phase:
            self.quotes: list[QuotePlan] = []
            for plan in plans:
                self.simulate(plan)
            phase.rows = len(self.quotes)
        with self.phase("numbering") as phase:
            phase.rows = self.number()
        self.write(plans)

    def seed_resellers(self) -> int:
        rng = self.rng
        self.resellers = [Reseller.objects.create(
            name=name, org_number=valid_org_number(rng),
            email=f"post@{_ascii(name.split()[0])}.example.no",
            phone=f"+47 {rng.randint(20, 79)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                  f"{rng.randint(10, 99)}")
            for name, _city in RESELLERS]
        password = make_password(DEMO_PASSWORD)  # hashed once: the same for every login
        self.staff = User.objects.create(
            username=STAFF_USERNAME, email=STAFF_USERNAME, first_name="Bente", last_name="Bulk",
            password=password, is_staff=True)
        self.staff.groups.add(Group.objects.get(name=STAFF_GROUP))
        self.reseller_users = []
        for n, reseller in enumerate(self.resellers, start=1):
            user = User.objects.create(
                username=RESELLER_USERNAME.format(n), email=RESELLER_USERNAME.format(n),
                first_name=rng.choice(FIRST_NAMES), last_name=rng.choice(LAST_NAMES),
                password=password)
            Membership.objects.create(user=user, reseller=reseller)
            self.reseller_users.append(user.pk)
        self.names: set[str] = set()
        return 2 * len(self.resellers) + 1

    # --- customers, installations, holdings ------------------------------------------------

    def plan_customer(self) -> CustomerPlan:
        rng = self.rng
        weights = [1 / (n + 1) ** 0.6 for n in range(len(RESELLERS))]
        profiles = list(PROFILES)
        index = rng.choices(range(len(RESELLERS)), weights)[0]
        home = RESELLERS[index][1]
        city = home if rng.random() < 0.7 else rng.choice(list(CITIES))
        postal, streets = CITIES[city]
        name = self.company_name(city)
        contact = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        email = f"{_ascii(contact.split()[0])}@{_ascii(name.rsplit(' ', 1)[0])[:40]}.example.no"
        street = f"{rng.choice(streets)} {rng.randint(1, 120)}"
        customer_id = self.customer_rows.next_id()
        profile = rng.choices(profiles, [PROFILES[p][0] for p in profiles])[0]
        org_number = valid_org_number(rng)
        language = "en" if rng.random() < 0.07 else "nb"
        phone = (f"+47 {rng.randint(40, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} "
                 f"{rng.randint(10, 99)}")
        plan = CustomerPlan(
            Customer(pk=customer_id, reseller=self.resellers[index], name=name,
                     org_number=org_number, contact_name=contact, email=email, phone=phone,
                     street=street, postal_code=postal, city=city, language=language),
            reseller_index=index, profile=profile)
        self.plan_installations(plan, city)
        created = min(i.activated for i in plan.installations)
        created = max(created, date(self.first_season, 1, 2)) - timedelta(days=rng.randint(1, 40))
        c = plan.record
        c.created_at = _at(min(created, self.today), 8 + rng.randint(0, 8), rng.randint(0, 59))
        self.customer_rows.add(c.pk, c.reseller_id, c.name, c.org_number, c.contact_name,
                               c.email, c.phone, c.street, c.postal_code, c.city, c.language,
                               c.created_at)
        return plan

    def company_name(self, city: str) -> str:
        rng, taken = self.rng, self.names
        for attempt in range(20):
            prefix = city if rng.random() < 0.25 else rng.choice(PREFIXES)
            if attempt < 10:
                name = f"{prefix} {rng.choice(TRADES)} {rng.choice(FORMS)}"
            else:
                name = f"{prefix} {rng.choice(TRADES)} {rng.choice(LAST_NAMES)} AS"
            if name not in taken:
                break
        taken.add(name)
        return name

    def plan_installations(self, plan: CustomerPlan, city: str) -> None:
        rng, today = self.rng, self.today
        count = rng.choices([1, 2, 3, 4], [35, 40, 20, 5])[0]
        if plan.profile == "new":
            first = today - timedelta(days=rng.randint(60, 540))
        else:
            first = today - timedelta(days=rng.randint(800, 2800))
        versions, weights = zip(*FIRMWARE_WEIGHTS.items(), strict=True)
        for number in range(count):
            activated = first if number == 0 else min(
                first + timedelta(days=rng.randint(0, 900)), today - timedelta(days=20))
            sky = rng.random() < 0.05
            name = SITES[number] if number == 0 else \
                f"{SITES[number]} {rng.choice([city, *list(CITIES)[:12]])}"
            inst = InstallationPlan(
                id=self.installation_rows.next_id(),
                name=f"{name} {number + 1}" if number and rng.random() < 0.3 else name,
                deployment=Deployment.SKYPBX if sky else Deployment.ON_PREMISE,
                hardware_model="" if sky else rng.choice(MODELS),
                firmware_version="16r1" if sky else rng.choices(versions, weights)[0],
                activated=activated)
            serial = "" if sky else "00-90-33-" + "-".join(
                f"{rng.randrange(256):02X}" for _ in range(3))
            self.plan_holdings(inst)
            plan.installations.append(inst)
            self.installation_rows.add(inst.id, plan.id, inst.name, inst.deployment,
                                       inst.hardware_model, inst.firmware_version, serial)
            for h in inst.holdings:
                self.holding_rows.add(h.id, inst.id, h.license_type.pk, h.quantity,
                                      h.activated_on, h.ended_on, h.rented)

    def holding(self, inst: InstallationPlan, code: str, quantity: int, activated: date,
                rented: bool = False) -> HoldingPlan:
        holding = HoldingPlan(self.holding_rows.next_id(), self.types[code], max(1, quantity),
                              activated, rented)
        inst.holdings.append(holding)
        return holding

    def plan_holdings(self, inst: InstallationPlan) -> None:
        rng, today, a = self.rng, self.today, inst.activated
        ports = rng.choices(PORT_SIZES, PORT_WEIGHTS)[0]
        if not inst.on_premise:
            self.holding(inst, "port", ports, a)
            self.holding(inst, "uc", ports // 2, a)
            return
        base = [self.holding(inst, "port", ports, a)]
        optional = [  # code, probability, quantity, rented probability
            ("uc", 0.85, max(1, ports // 2 + rng.randint(-2, 2)), 0.0),
            ("voicemail", 0.75, max(1, ports // 4), 0.0),
            ("switchboard", 0.8 if ports >= 30 else 0.1, rng.randint(1, 2), 0.0),
            ("mobility", 0.3, max(1, ports // 5), 0.35),
            ("mypbx", 0.15, max(1, ports // 3), 0.0),
            ("reporting", 0.2, rng.randint(1, 5), 0.0),
            ("queue-monitor", 0.12, rng.randint(1, 3), 0.0),
            ("fax", 0.12, rng.randint(1, 2), 0.0),
            ("video", 0.12, max(1, ports // 4), 0.2),
            ("standby", 0.06, 1, 0.0),
            ("app-sharing", 0.06, max(1, ports // 5), 0.0),
            ("recording", 0.1, rng.randint(2, 10), 0.0),
            ("telenor-api", 0.06, 1, 0.0),
            ("hotel", 0.02, 1, 0.0),
        ]
        for code, chance, quantity, rented in optional:
            if code in self.types and rng.random() < chance:
                base.append(self.holding(inst, code, quantity, a, rng.random() < rented))
        # Licenses added later, in the autumn (off-season): co-termed when under agreement.
        for _ in range(rng.choices([0, 1, 2], [45, 35, 20])[0]):
            when = self.autumn_day(a)
            if when is not None:
                code = rng.choice(["port", "port", "uc", "voicemail"])
                inst.additions.append(self.holding(inst, code, rng.randint(1, 10), when))
        # Fewer licenses: a holding ends from a first-of-month, the rest continue as a new one
        # (what holding_end leaves).
        if rng.random() < 0.15:
            victim = rng.choice([h for h in base if not h.rented])
            when = self.autumn_day(a)
            if when is not None and first_of_month(when) <= first_of_month(today):
                victim.ended_on = first_of_month(when)
                keep = rng.randint(0, victim.quantity - 1)
                if keep:
                    victim.replacement = self.holding(inst, victim.license_type.code, keep,
                                                      victim.ended_on, victim.rented)

    def autumn_day(self, after: date) -> date | None:
        """A day from September to December after `after` and before today, or None."""
        rng = self.rng
        years = [y for y in range(after.year, self.today.year + 1)
                 if date(y, 9, 1) > after and date(y, 12, 31) < self.today]
        if not years:
            return None
        return date(rng.choice(years), rng.randint(9, 12), rng.randint(1, 28))

    # --- history and offers ----------------------------------------------------------------

    def simulate(self, plan: CustomerPlan) -> None:
        rng, today = self.rng, self.today
        on_premise = [i for i in plan.installations if i.on_premise]
        if not on_premise:
            return
        _weight, history, acceptance = PROFILES[plan.profile]
        combined = len(on_premise) > 1 and rng.random() < 0.6
        per_round = 0.7 if combined else 0.6 * len(on_premise)
        seasons_wanted = max(1, round(rng.uniform(0.6, 1.4) * self.target / per_round))
        first_season = max(self.first_season, self.current_season - seasons_wanted + 1)
        portal_opens = date(first_season, 1, 15)

        # History entered by hand, before the portal era.
        if history != "none":
            manual_end = date(first_season, 7, 1)
            if history == "partial":
                manual_end = manual_end.replace(year=first_season - rng.randint(0, 3))
            for inst in on_premise:
                if inst.activated < portal_opens:
                    self.manual_history(plan, inst, manual_end)

        # The rounds, in date order: (day, order, kind, payload).
        rounds = []
        for season in range(first_season, self.current_season + 1):
            start, end = date(season, 1, 15), min(date(season, 6, 25), today)
            if start <= end:
                rounds.append((start + timedelta(days=rng.randint(0, (end - start).days)), 2,
                               "season", None))
        for inst in on_premise:
            if inst.activated >= portal_opens and rng.random() < 0.75:
                day = inst.activated + timedelta(days=rng.randint(3, 40))
                if day <= today:
                    rounds.append((day, 1, "initial", inst))
            for added in inst.additions:
                if added.activated_on >= portal_opens and rng.random() < 0.8:
                    day = added.activated_on + timedelta(days=rng.randint(5, 30))
                    if day <= today:
                        rounds.append((day, 1, "addition", (inst, added)))
            for holding in inst.holdings:
                if holding.ended_on is not None:
                    rounds.append((holding.ended_on, 0, "end", (inst, holding)))
        rounds.sort(key=lambda r: (r[0], r[1]))

        for day, _order, kind, payload in rounds:
            if kind == "end":
                inst, holding = payload
                if holding.replacement is not None:  # as holding_end leaves it
                    for period in inst.periods:
                        if holding in period.holdings and period.end > holding.ended_on:
                            period.add(holding.replacement)
                continue
            if kind == "initial":
                candidates = [payload]
            elif kind == "addition":
                inst, added = payload
                if not inst.covered(first_of_month(added.activated_on)):
                    continue
                candidates = [inst]
            else:
                candidates = on_premise
            ready = [i for i in candidates if i.activated <= day and i.busy_until < day]
            if not ready:
                continue
            accept = acceptance if kind == "season" else max(acceptance, 0.7)
            if kind == "season" and combined:
                extra = [i for i in plan.installations if not i.on_premise
                         and i.activated <= day and rng.random() < 0.5]
                self.chain(plan, ready + extra, day, accept, common_end=True)
            elif kind == "season":
                for inst in ready:
                    self.chain(plan, [inst], day + timedelta(days=rng.randint(0, 6)), accept)
            else:
                self.chain(plan, ready, day, accept, coterm=True)

        self.drafts(plan, on_premise)

    def manual_history(self, plan: CustomerPlan, inst: InstallationPlan, until: date) -> None:
        """Yearly periods (the first one up to the first 1 July), paying for every holding
        activated before their end — what the period form preselects."""
        start = first_of_month(inst.activated)
        end = first_july_after(add_months(start, 1))
        while end <= until:
            paid = [h for h in inst.holdings if h.activated_on < end
                    and (h.ended_on is None or h.ended_on > start)]
            inst.periods.append(PeriodPlan(self.period_rows.next_id(), start, end,
                                           PeriodSource.MANUAL, paid, plan.created_at,
                                           self.staff.pk))
            start, end = end, end.replace(year=end.year + 1)

    def user_for(self, plan: CustomerPlan, staff_share: float = 0.3) -> int:
        return self.staff.pk if self.rng.random() < staff_share else \
            self.reseller_users[plan.reseller_index]

    def chain(self, plan: CustomerPlan, installations: list[InstallationPlan], day: date,
              acceptance: float, *, common_end: bool = False, coterm: bool = False) -> None:
        """One offer and what became of it: maybe revised, then accepted, declined or left."""
        rng, today = self.rng, self.today
        if day > today:
            return
        end = None
        if not coterm:
            start = first_of_month(day)
            paid = [p for i in installations if i.on_premise
                    for p in [i.paid_until()] if p is not None]
            july = first_july_after(add_months(max([start, *paid]), 1))
            if common_end:  # one common end co-terms the customer's installations
                end = july
            else:  # a renewal of an installation with licenses added mid-term: co-term them
                inst = installations[0]
                if pricing.default_end(inst.engine_input(day, self.releases), start) != july:
                    end = july
        quote = self.issue(plan, installations, day, end, self.user_for(plan), None)
        if quote is None:
            return
        while True:
            issued, valid_until = quote.row["issue_date"], quote.row["valid_until"]
            if quote.depth < 2 and rng.random() < 0.15:
                revised_on = issued + timedelta(days=rng.randint(2, 20))
                if revised_on <= min(valid_until, today):
                    successor = self.issue(plan, installations, revised_on, end,
                                           self.user_for(plan), quote)
                    if successor is not None:
                        quote = successor
                        continue
            answer_on = issued + timedelta(days=rng.randint(1, 28))
            roll = rng.random()
            answerable = answer_on <= min(valid_until, today)
            if answerable and roll < acceptance:
                self.accept(plan, quote, answer_on)
            elif answerable and roll < acceptance + 0.3 * (1 - acceptance):
                self.decline(plan, quote, answer_on)
            else:
                answer_on = valid_until
                # Left to expire; now and then the reseller asks for a fresh revision.
                again = valid_until + timedelta(days=rng.randint(3, 30))
                if quote.depth < 2 and again <= today and rng.random() < 0.4:
                    successor = self.issue(plan, installations, again, end,
                                           self.user_for(plan), quote)
                    if successor is not None:
                        quote = successor
                        continue
            for inst in installations:
                inst.busy_until = max(inst.busy_until, answer_on)
            return

    def issue(self, plan: CustomerPlan, installations: list[InstallationPlan], day: date,
              end: date | None, creator: int, predecessor: QuotePlan | None) -> QuotePlan | None:
        """Price on `day` and snapshot the offer as quote_issue does; None when nothing is due
        (or it cannot be priced), as issuing refuses."""
        rng = self.rng
        ordered = sorted((i for i in installations if i.activated <= day),
                         key=lambda i: (i.name, i.id))
        found = self.book_on(day)
        if not ordered or found is None:
            return None
        book, book_in = found
        try:
            result = pricing.price(
                installations=[i.engine_input(day, self.releases, plan.language)
                               for i in ordered],
                quote_date=day, book=book_in, end=end,
                newest_firmware_release=self.newest_release_on(day))
        except pricing.PricingError:
            return None
        if not result.has_lines:
            return None
        issued_at = _at(day, 9 + rng.randint(0, 7), rng.randint(0, 59))
        if predecessor is None:
            created_at = issued_at - timedelta(days=rng.randint(0, 3), hours=rng.randint(0, 20),
                                               minutes=rng.randint(1, 59))
        else:
            created_at = issued_at - timedelta(hours=rng.randint(1, 30))
        created_at = max(created_at, plan.created_at + timedelta(minutes=5))
        issued_at = max(issued_at, created_at + timedelta(minutes=5))
        # The frozen values are quote_issue's own (quotes.snapshot); only the writing differs.
        row = {
            "state": QuoteState.ISSUED, "ready_to_issue": False, "customer_id": plan.id,
            "end_override": end, "language": plan.language, "created_at": created_at,
            "created_by_id": creator,
            "revision_of_id": predecessor.id if predecessor else None,
            "issued_at": issued_at, "issued_by_id": self.staff.pk, "issue_date": day,
            "valid_until": snapshot.valid_until(day, result, settings.SSA_QUOTE_VALIDITY_DAYS),
            **snapshot.offer_fields(customer=plan.record, book=book, result=result),
            "verification_token": self.token(),
        }
        quote = QuotePlan(self.quote_rows.next_id(), plan, ordered, row, predecessor,
                          0 if predecessor is None else predecessor.depth + 1)
        # Each holding's end as the portal knew it on `day` (what the engine was given).
        ended_on = {h.id: h.engine_input(day).ended_on
                    for i in ordered for h in i.holdings if h.activated_on <= day}
        sections, lines, charges = self.section_rows, self.line_rows, self.charge_rows
        for section in snapshot.section_snapshots(result, {i.id: i for i in ordered}, ended_on):
            section_id = sections.next_id()
            sections.add_fields({"id": section_id, "quote_id": quote.id, **section.fields})
            for line in section.lines:
                lines.add_fields({"quote_id": quote.id, "section_id": section_id, **line})
            for charge in section.charges:
                charges.add_fields({"quote_id": quote.id, "section_id": section_id, **charge})
            fields = section.fields
            quote.sections.append((section_id, fields["installation_id"], fields["applicable"],
                                   fields["end"],
                                   [(c["holding_id"], c["due"]) for c in section.charges]))
        events = quote.events
        if predecessor is None:
            events.append((created_at, creator, QuoteEvent.Kind.CREATED, ""))
        else:
            events.append((created_at, creator, QuoteEvent.Kind.CREATED,
                           ("revision of", predecessor)))
            predecessor.events.append((created_at, creator, QuoteEvent.Kind.REVISED, ""))
            predecessor.row["state"] = QuoteState.SUPERSEDED
            predecessor.events.append((issued_at, self.staff.pk, QuoteEvent.Kind.SUPERSEDED,
                                       ("number", quote)))
        if creator != self.staff.pk:  # a reseller's draft, marked ready for staff to issue
            events.append((created_at + timedelta(minutes=2), creator, QuoteEvent.Kind.READY,
                           ""))
        events.append((issued_at, self.staff.pk, QuoteEvent.Kind.ISSUED, ("number", quote)))
        if rng.random() < 0.6:
            events.append((issued_at + timedelta(minutes=rng.randint(3, 90)), creator,
                           QuoteEvent.Kind.EMAILED, f"{plan.email}, {plan.reseller.email}"))
        self.quotes.append(quote)
        return quote

    def token(self) -> str:
        # 192 bits like secrets.token_urlsafe(24), from the seeded generator (bench data only).
        return base64.urlsafe_b64encode(self.rng.getrandbits(192).to_bytes(24, "big")).decode()

    def answer_time(self, quote: QuotePlan, day: date) -> datetime:
        at = _at(day, 8 + self.rng.randint(0, 9), self.rng.randint(0, 59))
        return max(at, quote.row["issued_at"] + timedelta(minutes=10))

    def accept(self, plan: CustomerPlan, quote: QuotePlan, day: date) -> None:
        """As quote_accept: per installation one period [d, E) for each distinct due(h) = d."""
        rng = self.rng
        user = self.user_for(plan, staff_share=0.2)
        at = self.answer_time(quote, day)
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
        quote.row.update(state=QuoteState.ACCEPTED, answered_at=at, answered_by_id=user,
                         accepted_by_name=name)
        by_id = {i.id: i for i in quote.installations}
        for _section_id, inst_id, applicable, end, charges in quote.sections:
            if not applicable:
                continue
            inst = by_id[inst_id]
            holdings = {h.id: h for h in inst.holdings}
            by_due: dict[date, list[HoldingPlan]] = defaultdict(list)
            for holding_id, due in charges:
                by_due[due].append(holdings[holding_id])
            for due in sorted(by_due):
                inst.periods.append(PeriodPlan(self.period_rows.next_id(), due, end,
                                               PeriodSource.QUOTE, by_due[due], at, user, quote))
        quote.events.append((at, user, QuoteEvent.Kind.ACCEPTED, name))

    def decline(self, plan: CustomerPlan, quote: QuotePlan, day: date) -> None:
        user = self.user_for(plan, staff_share=0.2)
        at = self.answer_time(quote, day)
        reason = self.rng.choice(DECLINE_REASONS)
        quote.row.update(state=QuoteState.DECLINED, answered_at=at, answered_by_id=user,
                         decline_reason=reason)
        quote.events.append((at, user, QuoteEvent.Kind.DECLINED, reason))

    def drafts(self, plan: CustomerPlan, on_premise: list[InstallationPlan]) -> None:
        """Work in progress today: a fresh draft now and then, and revisions of offers that
        expired lately."""
        rng, today = self.rng, self.today
        mine = [q for q in self.quotes[-40:] if q.customer is plan]
        for quote in mine:
            row = quote.row
            if (row["state"] == QuoteState.ISSUED and row["valid_until"] < today
                    and (today - row["valid_until"]).days < 120 and rng.random() < 0.35
                    and not any(q.predecessor is quote for q in mine)):
                day = min(today, row["valid_until"] + timedelta(days=rng.randint(1, 20)))
                self.draft(plan, quote.installations, day, quote)
        if rng.random() < 0.4:
            day = today - timedelta(days=rng.randint(0, 40))
            chosen = [i for i in on_premise if i.activated <= day]
            if chosen:
                if len(chosen) > 1 and rng.random() < 0.5:
                    chosen = [rng.choice(chosen)]
                self.draft(plan, chosen, day, None)

    def draft(self, plan: CustomerPlan, installations: list[InstallationPlan], day: date,
              predecessor: QuotePlan | None) -> None:
        rng = self.rng
        creator = self.user_for(plan)
        created_at = max(_at(day, 8 + rng.randint(0, 9), rng.randint(0, 59)),
                         plan.created_at + timedelta(minutes=5))
        end = None
        if predecessor is not None:
            end = predecessor.row["end_override"]
            if end is not None and end <= first_of_month(day):
                end = None
        row = {"state": QuoteState.DRAFT, "ready_to_issue": False, "customer_id": plan.id,
               "end_override": end, "language": plan.language, "created_at": created_at,
               "created_by_id": creator,
               "revision_of_id": predecessor.id if predecessor else None}
        quote = QuotePlan(self.quote_rows.next_id(), plan, list(installations), row,
                          predecessor, 0 if predecessor is None else predecessor.depth + 1)
        if predecessor is None:
            quote.events.append((created_at, creator, QuoteEvent.Kind.CREATED, ""))
        else:
            quote.events.append((created_at, creator, QuoteEvent.Kind.CREATED,
                                 ("revision of", predecessor)))
            predecessor.events.append((created_at, creator, QuoteEvent.Kind.REVISED, ""))
        if creator != self.staff.pk and rng.random() < 0.5:
            row["ready_to_issue"] = True
            quote.events.append((created_at + timedelta(minutes=rng.randint(2, 300)), creator,
                                 QuoteEvent.Kind.READY, ""))
        self.quotes.append(quote)

    # --- numbers ---------------------------------------------------------------------------

    def number(self) -> int:
        """SSA-<year>-<5 digits> in issue order per year, after any number already used;
        a revision takes its predecessor's year and number with the chain's next revision."""
        last = dict(QuoteCounter.objects.values_list("year", "last"))
        for year, used in Quote.objects.exclude(number_year=None).values_list(
                "number_year").annotate(used=Max("number_sequence")):
            last[year] = max(last.get(year, 0), used or 0)
        issued = [q for q in self.quotes if q.state != QuoteState.DRAFT]
        originals = sorted((q for q in issued if q.predecessor is None),
                           key=lambda q: (q.row["issued_at"], q.id))
        for quote in originals:
            year = quote.row["issue_date"].year
            last[year] = last.get(year, 0) + 1
            quote.row.update(number_year=year, number_sequence=last[year], revision=1)
        for quote in sorted((q for q in issued if q.predecessor is not None),
                            key=lambda q: q.depth):
            before = quote.predecessor.row
            quote.row.update(number_year=before["number_year"],
                             number_sequence=before["number_sequence"],
                             revision=before["revision"] + 1)
        for quote in issued:
            row = quote.row
            if row["number_sequence"] > 99999:
                raise SeedError(f"More than 99,999 offers in {row['number_year']}; "
                                "seed fewer customers.")
            row["number"] = Quote.format_number(row["number_year"], row["number_sequence"],
                                                row["revision"])
        self.counters = last
        return len(issued)

    # --- writing ---------------------------------------------------------------------------

    def write(self, plans: list[CustomerPlan]) -> None:
        w = self.writer
        for title, table in (("customers", self.customer_rows),
                             ("installations", self.installation_rows),
                             ("license holdings", self.holding_rows)):
            with self.phase(title) as phase:
                phase.rows = w.write(table)
        periods = [p for plan in plans for i in plan.installations for p in i.periods]
        installation_of = {p.id: i.id for plan in plans for i in plan.installations
                           for p in i.periods}
        rows = self.period_rows
        for p in periods:
            note = p.quote.row["number"] if p.quote else "Historikk fra forrige system"
            rows.add(p.id, installation_of[p.id], p.start, p.end, p.source, note, p.created_at,
                     p.created_by)
        with self.phase("agreement periods") as phase:
            phase.rows = w.write(rows)
        through = w.table(AgreementPeriod.holdings.through,
                          ["agreementperiod_id", "licenseholding_id"])
        for p in periods:
            for h in p.holdings:
                through.add(p.id, h.id)
        with self.phase("period holdings (M2M)") as phase:
            phase.rows = w.write(through)
        quotes = self.quote_rows
        defaults = {c: None for c in QUOTE_COLUMNS} | {"accepted_by_name": "",
                                                       "decline_reason": "", "reseller_name": "",
                                                       "reseller_email": "",
                                                       "reseller_phone": "",
                                                       "customer_name": "",
                                                       "customer_org_number": "",
                                                       "customer_address": "",
                                                       "customer_contact": "",
                                                       "customer_email": "",
                                                       "price_book_name": ""}
        for q in self.quotes:
            quotes.add_fields({"id": q.id, **defaults, **q.row})
        with self.phase("offers") as phase:
            phase.rows = w.write(quotes)
        through = w.table(Quote.installations.through, ["quote_id", "installation_id"])
        for q in self.quotes:
            for i in q.installations:
                through.add(q.id, i.id)
        with self.phase("offer installations (M2M)") as phase:
            phase.rows = w.write(through)
        through = w.table(Quote.periods.through, ["quote_id", "agreementperiod_id"])
        for p in periods:
            if p.quote is not None:
                through.add(p.quote.id, p.id)
        with self.phase("offer periods (M2M)") as phase:
            phase.rows = w.write(through)
        for title, table in (("offer sections", self.section_rows),
                             ("offer lines", self.line_rows),
                             ("offer charges", self.charge_rows)):
            with self.phase(title) as phase:
                phase.rows = w.write(table)
        events = w.table(QuoteEvent, ["quote_id", "at", "by_id", "kind", "note"])
        for q in self.quotes:
            for at, by, kind, note in sorted(q.events, key=lambda e: e[0]):
                events.add(q.id, at, by, kind, self.note(note))
        with self.phase("offer events") as phase:
            phase.rows = w.write(events)
        with self.phase("offer counters") as phase:
            for year, last in sorted(self.counters.items()):
                QuoteCounter.objects.update_or_create(year=year, defaults={"last": last})
                phase.rows += 1

    @staticmethod
    def note(note) -> str:
        if isinstance(note, tuple):
            what, quote = note
            number = quote.row["number"]
            return number if what == "number" else f"revision of {number}"
        return note[:500]

    def report(self) -> None:
        counts = {
            "customers": Customer.objects.count(),
            "installations": Installation.objects.count(),
            "holdings": LicenseHolding.objects.count(),
            "agreement periods": AgreementPeriod.objects.count(),
            "offers": Quote.objects.count(), "issued": Quote.objects.issued().count(),
            "open": Quote.objects.open(self.today).count(),
            "expired": Quote.objects.expired(self.today).count(),
            "accepted": Quote.objects.filter(state=QuoteState.ACCEPTED).count(),
            "declined": Quote.objects.filter(state=QuoteState.DECLINED).count(),
            "superseded": Quote.objects.filter(state=QuoteState.SUPERSEDED).count(),
            "drafts": Quote.objects.drafts().count(),
        }
        self.say("In the database now: " + ", ".join(
            f"{n:,} {what}" for what, n in counts.items()))
        self.say(
            f"Bulk data ready in {time.monotonic() - self.started:.1f} s. Logins (password for "
            f"all: {DEMO_PASSWORD}): {STAFF_USERNAME} (distributor staff), "
            f"{RESELLER_USERNAME.format(1)} … {RESELLER_USERNAME.format(len(RESELLERS))} "
            "(one per reseller).")
        self.say("No PDFs were made: run no worker or prepare_missing_pdfs against this "
                 "database.")


if __name__ == "__main__":
    raise SystemExit(main())
