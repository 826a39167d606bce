"""A renewal campaign at scale (docs/DOMAIN.md#renewals): seed a realistic set of installations
due for the coming window, renew them all in one batch through the background workers while
printing progress, then check the offers it made.

    make bulk-demo     # 2,000 installations on a throwaway PostgreSQL database, kept afterwards
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/ssa_bulk_demo \
        python -m bench.bulk_demo --installations 2000 [--workers 2]

Benchmark and demo code, outside the shipped apps; bench/bench_bulk.py runs it as a subprocess
and reads its last `BULK_RESULT` line. It runs only on the PostgreSQL database DATABASE_URL
names, and only on a fresh, migrated one (no customers, no offers): it issues hundreds of offers
and takes their numbers, so it must never reach the development SQLite database or one with data
in it. The workers (`manage.py db_worker`) need the signing key of the data folder
(`manage.py create_signing_cert --if-missing`, which `make migrate` runs).

The campaign, for the window W = the first 1 July after today, every offer running to
`pricing.renewal_end(W)` = W + 12 months:

* N installations (default 2,000) for about N / 2.2 customers: 35 % with one site, the others
  two to four (`SITES`), spread over three resellers, one customer in ten in English;
* per installation 8–80 ports and, on 40 %, 2–25 UC licenses, activated three years ago;
* a history per installation (`HISTORIES`): paid until W (one manual period [W − 12 months, W)
  paying its holdings), lapsed (paid until W − 12 months), licenses added mid-term (paid until
  W, plus 5 ports activated about nine months before W — before this month, so that they bring
  co-term months) or never under agreement (no period). The worklist flags the last ones and a
  whole-list run leaves them out; this batch names every installation, so they are renewed too.
"""
# Run as `python -m bench.bulk_demo`, Django is set up before the models are imported:
# ruff: noqa: E402

import argparse
import hashlib
import os
import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.bulk_demo",
        description="Seed installations due for renewal into the fresh PostgreSQL database of "
                    "DATABASE_URL, renew them all in one batch with db_worker processes and "
                    "check the offers.")
    parser.add_argument("--installations", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    args = parser.parse_args(argv)
    if args.installations < 1 or args.workers < 1:
        parser.error("--installations and --workers must be at least 1")
    return args


if __name__ == "__main__":
    ARGS = parse_args(sys.argv[1:])  # --help works without a database
    if not os.environ.get("DATABASE_URL"):
        # Never the embedded SQLite database, and never the benchmarks' seeded one by default.
        raise SystemExit("bulk_demo: set DATABASE_URL to a fresh, migrated PostgreSQL database "
                         "(make bulk-demo makes one).")
    from bench.run import setup_django

    setup_django(database_url=os.environ["DATABASE_URL"])

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.utils import timezone, translation

from common.months import add_months, first_july_after, first_of_month
from customers import services as customer_services
from customers.access import STAFF_GROUP
from customers.demo import MODELS, valid_org_number
from customers.models import (
    AgreementPeriod,
    Customer,
    Installation,
    LicenseHolding,
    LicenseType,
    Reseller,
)
from quotes import pricing, services
from quotes.models import Quote, QuoteLine, QuoteSection, RenewalBatch, RenewalItem
from quotes.signing import check_signature

STAFF_USERNAME = "bulk-staff@ssa.example.no"
RESELLERS = ["Bulk Demo Telekom AS", "Bulk Demo Kommunikasjon AS", "Bulk Demo IP-Tele AS"]
CITIES = ["Oslo", "Bergen", "Trondheim", "Stavanger", "Tromsø", "Drammen", "Kristiansand"]
NAMES = ["Fjord", "Nordlys", "Vestland", "Berg", "Elve", "Skog", "Havn", "Tinde", "Furu", "Lyng"]
TRADES = ["Regnskap", "Bygg", "Eiendom", "Transport", "Tannlegesenter", "Advokatfirma", "Handel"]
SITE_NAMES = ["Hovedkontor", "Lager", "Avdeling Nord", "Butikk sentrum"]
FIRMWARE = ["14r2", "15r1", "16r1"]
SITES = {1: 35, 2: 27, 3: 21, 4: 17}  # installations per customer: weight (mean 2.2)
PAID, LAPSED, MID_TERM, NEVER = "paid", "lapsed", "mid-term", "never"
HISTORIES = {PAID: 70, LAPSED: 12, MID_TERM: 12, NEVER: 6}  # weight of each history
HISTORY_TEXT = {PAID: "paid until W", LAPSED: "lapsed (paid until W − 12 months)",
                MID_TERM: "paid until W + 5 ports added mid-term",
                NEVER: "never under agreement"}
ADDED_PORTS = 5


@dataclass
class Seeded:
    customers: int = 0
    sites: Counter = field(default_factory=Counter)  # installations per customer: customers
    history: dict[int, str] = field(default_factory=dict)  # installation id: history
    added_on: date | None = None  # the mid-term ports' activation day

    @property
    def ids(self) -> list[int]:
        return list(self.history)


def main(args: argparse.Namespace) -> None:
    if connection.vendor != "postgresql":
        raise SystemExit(f"bulk_demo runs on PostgreSQL only, not {connection.vendor}.")
    used = Customer.objects.count(), Quote.objects.count()
    if any(used):
        raise SystemExit(f"bulk_demo seeds a fresh database, and this one holds {used[0]} "
                         f"customers and {used[1]} offers already; make a new one "
                         "(scripts/pg_database.py recreate NAME, then migrate).")
    today = timezone.localdate()
    window = first_july_after(today)
    end = pricing.renewal_end(window)
    staff = staff_user()
    started = time.monotonic()
    seeded = seed(args.installations, window, today, random.Random(args.seed))
    say(f"Seeded {len(seeded.ids):,} installations for {seeded.customers:,} customers in "
        f"{time.monotonic() - started:.1f} s; window W = {window:%d.%m.%Y}, offers to "
        f"{end:%d.%m.%Y}.")
    say("  customers by sites: " + ", ".join(
        f"{seeded.sites[n]:,} with {n}" for n in sorted(seeded.sites)))
    counts = Counter(seeded.history.values())
    say("  installations by history: " + ", ".join(
        f"{counts[h]:,} {HISTORY_TEXT[h]}" for h in HISTORIES))
    say(f"  mid-term ports activated {seeded.added_on:%d.%m.%Y}")
    say(f"All {len(seeded.ids):,} installations are named in the batch, the {counts[NEVER]:,} "
        "never under agreement included on purpose (the worklist flags them and a whole-list "
        "run would leave them out): their offers charge every month since activation at 2×.")
    chosen = list(Installation.objects.filter(pk__in=seeded.ids).select_related("customer")
                  .order_by("customer_id", "pk"))
    created = services.renewal_batch_create(user=staff, installations=chosen, window_end=window)
    batch = created.batch
    say(f"Batch {batch.pk}: {created.offers:,} offers queued for {created.installations:,} "
        f"installations ({created.already_in_a_batch} already in a batch), one per customer; "
        f"{args.workers} workers.")
    started = time.monotonic()
    run_workers(batch, args.workers, started)
    elapsed = time.monotonic() - started
    progress = batch.progress()
    say(f"Finished in {elapsed:.0f} s: {progress['done']:,} offers, "
        f"{60 * progress['done'] / elapsed:.0f} signed offers per minute.")
    say(result_line(batch, progress, elapsed))
    problems = check(batch, seeded, staff, window, end, today)
    if problems:
        raise SystemExit("bulk_demo: the campaign did not check out:\n  " + "\n  ".join(problems))
    say("Every check passed.")


def say(text: str) -> None:
    print(text, flush=True)


def staff_user() -> User:
    user, _ = User.objects.get_or_create(username=STAFF_USERNAME)
    user.groups.add(Group.objects.get(name=STAFF_GROUP))
    return user


def plan(count: int, rng: random.Random) -> list[list[str]]:
    """Per customer the history of each of its installations: `count` in all."""
    sizes: list[int] = []
    while sum(sizes) < count:
        sizes.append(rng.choices(list(SITES), weights=list(SITES.values()))[0])
    sizes[-1] -= sum(sizes) - count  # the last customer takes what is left (at least one)
    return [rng.choices(list(HISTORIES), weights=list(HISTORIES.values()), k=n) for n in sizes]


def mid_term_day(window: date, today: date) -> date:
    """About nine months before `window`, but before this month (a month of the current term
    already past, so that the engine charges it as co-term); in July, when the term has just
    begun, this month (then there are no co-term months to charge)."""
    day = add_months(window, -9)
    this_month = first_of_month(today)
    if day >= this_month:
        day = max(add_months(this_month, -1), add_months(window, -12))
    return day


@transaction.atomic
def seed(count: int, window: date, today: date, rng: random.Random) -> Seeded:
    customers_plan = plan(count, rng)
    resellers = [Reseller.objects.get_or_create(name=name)[0] for name in RESELLERS]
    port, uc = LicenseType.objects.get(code="port"), LicenseType.objects.get(code="uc")
    customers = Customer.objects.bulk_create(
        Customer(reseller=rng.choice(resellers), org_number=valid_org_number(rng),
                 name=f"{rng.choice(NAMES)} {rng.choice(TRADES)} {n + 1:04d} AS",
                 city=rng.choice(CITIES), language="en" if rng.random() < 0.1 else "nb")
        for n in range(len(customers_plan)))
    histories = [(customer, site, history) for customer, plan_ in zip(customers, customers_plan,
                                                                      strict=True)
                 for site, history in enumerate(plan_)]
    installations = Installation.objects.bulk_create(
        Installation(customer=customer, name=SITE_NAMES[site], hardware_model=rng.choice(MODELS),
                     firmware_version=rng.choice(FIRMWARE))
        for customer, site, _history in histories)
    three_years_ago = add_months(first_of_month(today), -36)
    added_on = mid_term_day(window, today)
    holdings, paid_for = [], defaultdict(list)  # installation index: holdings its period pays
    for n, (_customer, _site, history) in enumerate(histories):
        installation = installations[n]
        ports = rng.randint(8, 80)
        bought = [(port, ports)] + ([(uc, rng.randint(2, min(ports, 25)))]
                                    if rng.random() < 0.4 else [])
        for license_type, quantity in bought:
            holding = LicenseHolding(installation=installation, license_type=license_type,
                                     quantity=quantity, activated_on=three_years_ago
                                     + timedelta(days=rng.randint(0, 27)))
            holdings.append(holding)
            paid_for[n].append(holding)
        if history == MID_TERM:
            holdings.append(LicenseHolding(installation=installation, license_type=port,
                                           quantity=ADDED_PORTS, activated_on=added_on))
    LicenseHolding.objects.bulk_create(holdings, batch_size=2000)
    terms = {PAID: (add_months(window, -12), window), MID_TERM: (add_months(window, -12), window),
             LAPSED: (add_months(window, -24), add_months(window, -12))}
    with_period = [n for n, (_c, _s, history) in enumerate(histories) if history in terms]
    periods = AgreementPeriod.objects.bulk_create(
        (AgreementPeriod(installation=installations[n], start=terms[histories[n][2]][0],
                         end=terms[histories[n][2]][1], note="Historikk fra forrige system")
         for n in with_period), batch_size=2000)
    through = AgreementPeriod.holdings.through
    through.objects.bulk_create(
        (through(agreementperiod_id=period.pk, licenseholding_id=holding.pk)
         for n, period in zip(with_period, periods, strict=True) for holding in paid_for[n]),
        batch_size=5000)
    customer_services.installations_refresh_paid_until(
        Installation.objects.filter(pk__in=[i.pk for i in installations]))
    return Seeded(customers=len(customers), sites=Counter(len(p) for p in customers_plan),
                  history={i.pk: h for i, (_c, _s, h) in zip(installations, histories,
                                                             strict=True)},
                  added_on=added_on)


def run_workers(batch: RenewalBatch, workers: int, started: float) -> None:
    """`workers` db_worker processes work the queue until it is empty; progress every 10 s."""
    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    log_path = settings.DATA_DIR / "bulk-demo-workers.log"
    with log_path.open("w") as log:
        processes = [subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload",
             "--no-startup-delay"], cwd=ROOT, stdout=log, stderr=log)
            for _ in range(workers)]
        say(f"Worker output: {log_path}")
        shown = -10.0
        while True:
            progress = batch.progress()
            stopped = all(p.poll() is not None for p in processes)
            now = time.monotonic() - started
            if now - shown >= 10 or progress["finished"] or stopped:
                say(f"  {now:4.0f} s: {progress['done']:,} made, {progress['skipped']:,} "
                    f"skipped, {progress['failed']:,} failed of {progress['total']:,} offers "
                    f"({progress['percent']} %)")
                shown = now
            if progress["finished"] or stopped:
                break
            time.sleep(1)
        for process in processes:
            process.wait()
    codes = [p.returncode for p in processes]
    if any(codes):
        say(f"Workers exited with {codes}; see {log_path}.")


def result_line(batch: RenewalBatch, progress: dict, elapsed: float) -> str:
    """One machine-readable line for bench/bench_bulk.py; `done` counts the offers made.
    `steady_per_min` counts from the first to the last finished item, leaving out the workers'
    start (importing WeasyPrint takes about a second each); `total_per_min` is done / wall time
    from the start."""
    finished = sorted(batch.items.exclude(finished_at=None)
                      .values_list("finished_at", flat=True))
    span = (finished[-1] - finished[0]).total_seconds() if len(finished) > 1 else 0.0
    steady = 60 * (len(finished) - 1) / span if span else 0.0
    return (f"BULK_RESULT done={progress['done']} failed={progress['failed']} "
            f"elapsed_s={elapsed:.2f} first_to_last_s={span:.2f} "
            f"total_per_min={60 * progress['done'] / elapsed:.1f} "
            f"steady_per_min={steady:.1f}")


# --- the checks ------------------------------------------------------------------------------


def check(batch: RenewalBatch, seeded: Seeded, staff: User, window: date, end: date,
          today: date) -> list[str]:
    """Print what the batch made and return what is wrong with it."""
    problems: list[str] = []
    items = list(batch.items.prefetch_related("targets"))
    done = [item for item in items if item.status == RenewalItem.Status.DONE]
    problems += check_offers_per_customer(items, done, seeded)
    problems += check_numbers()
    offers = list(Quote.objects.filter(pk__in=[item.quote_id for item in done]))
    problems += check_pdfs(offers)
    problems += check_sections(offers, seeded, window, end, today)
    rerun = services.renewal_batch_create(
        user=staff, window_end=window,
        installations=list(Installation.objects.filter(pk__in=seeded.ids)
                           .select_related("customer")))
    say(f"A second batch for the same {len(seeded.ids):,} installations and window: "
        f"{rerun.offers} offers, {rerun.already_in_a_batch:,} installations already in a batch.")
    if rerun.offers or rerun.installations:
        problems.append(f"the second batch queued {rerun.offers} offers")
    return problems


def check_offers_per_customer(items: list[RenewalItem], done: list[RenewalItem],
                              seeded: Seeded) -> list[str]:
    problems = []
    sizes = [len(item.targets.all()) for item in done]
    multi = [n for n in sizes if n > 1]
    customers = {item.customer_id for item in done}
    spread = f" ({min(multi)}–{max(multi)} installations each)" if multi else ""
    say(f"{len(done):,} offers for {len(customers):,} customers: "
        f"{sizes.count(1):,} single-site, {len(multi):,} multi-site{spread}; "
        f"{sum(sizes):,} installations.")
    if len(customers) != len(done) or len(done) != seeded.customers:
        problems.append(f"{len(done)} offers for {len(customers)} customers, "
                        f"{seeded.customers} seeded")
    offer_installations = defaultdict(set)
    for quote_id, installation_id in Quote.installations.through.objects.filter(
            quote_id__in=[item.quote_id for item in done]).values_list(
            "quote_id", "installation_id"):
        offer_installations[quote_id].add(installation_id)
    differ = sum(1 for item in done if offer_installations[item.quote_id]
                 != {t.installation_id for t in item.targets.all()})
    if differ:
        problems.append(f"{differ} offers cover other installations than their item")
    with translation.override("en"):
        for status in (RenewalItem.Status.SKIPPED, RenewalItem.Status.FAILED):
            ended = [item for item in items if item.status == status]
            say(f"{status.label.capitalize()}: {len(ended)}")
            for reason, n in Counter(item.reason for item in ended).most_common():
                say(f"  {n:,} × {reason}")
            if ended:  # every seeded installation owes something: each item should make one
                problems.append(f"{len(ended)} items {status.label}")
    pending = sum(1 for item in items if item.status == RenewalItem.Status.PENDING)
    if pending:
        problems.append(f"{pending} items still waiting")
    return problems


def check_numbers() -> list[str]:
    by_year = defaultdict(list)
    for year, sequence in Quote.objects.issued().values_list("number_year", "number_sequence"):
        by_year[year].append(sequence)
    gaps = [year for year, used in by_year.items()
            if sorted(used) != list(range(1, len(used) + 1))]
    say("Numbers without gaps: " + ", ".join(
        f"{year} 1–{len(by_year[year]):,} {'NO' if year in gaps else 'yes'}"
        for year in sorted(by_year)))
    return [f"the numbers of {year} have gaps" for year in gaps]


def check_pdfs(offers: list[Quote]) -> list[str]:
    bad = []
    for quote in offers:
        if not quote.pdf_sha256 or not quote.pdf:
            bad.append(f"{quote.number} (none)")
            continue
        with quote.pdf.open("rb") as pdf:
            data = pdf.read()
        if hashlib.sha256(data).hexdigest() != quote.pdf_sha256:
            bad.append(f"{quote.number} (hash)")
        elif not check_signature(data).genuine:
            bad.append(f"{quote.number} (signature)")
    say(f"Signed PDFs stored and genuine: {len(offers) - len(bad):,} of {len(offers):,}.")
    return [f"PDFs missing or not genuine: {', '.join(bad[:10])}"] if bad else []


def expected_kinds(history: str, window: date, today: date, added_on: date) -> set[str]:
    """The kinds of lines an installation of `history` must get, priced today (S = this month)."""
    start = first_of_month(today)
    kinds = {pricing.KIND_FORWARD}
    if history == NEVER or (history == LAPSED and start > add_months(window, -12)):
        kinds.add(pricing.KIND_RETROACTIVE)
    if history == MID_TERM and first_of_month(added_on) < start:
        kinds.add(pricing.KIND_COTERM)
    return kinds


def check_sections(offers: list[Quote], seeded: Seeded, window: date, end: date,
                   today: date) -> list[str]:
    problems = []
    sections = list(QuoteSection.objects.filter(quote__in=offers))
    wrong_end = [s for s in sections if s.end != end]
    wrong_end += [q for q in offers if q.end_override != end]
    say(f"Sections ending at W + 12 months ({end:%d.%m.%Y}): "
        f"{len(sections) - len(wrong_end):,} of {len(sections):,}.")
    if wrong_end or len(sections) != len(seeded.ids):
        problems.append(f"{len(wrong_end)} sections or offers end elsewhere than {end}; "
                        f"{len(sections)} sections for {len(seeded.ids)} installations")
    kinds, ssc, nok = defaultdict(set), Counter(), defaultdict(int)
    for installation, kind, line_ssc, line_nok in QuoteLine.objects.filter(
            quote__in=offers).values_list("section__installation_id", "kind", "ssc", "nok"):
        kinds[installation].add(kind)
        ssc[installation] += line_ssc
        nok[installation] += line_nok
    say("By history (lines' kinds; mean per installation):")
    for history in HISTORIES:
        ids = [i for i, h in seeded.history.items() if h == history]
        expected = expected_kinds(history, window, today, seeded.added_on)
        wrong = [i for i in ids if kinds[i] != expected]
        order = sorted(expected, key=[pricing.KIND_RETROACTIVE, pricing.KIND_COTERM,
                                      pricing.KIND_FORWARD].index)
        mean_ssc = sum(ssc[i] for i in ids) / len(ids) if ids else 0
        mean_nok = sum(nok[i] for i in ids) / len(ids) if ids else 0
        say(f"  {HISTORY_TEXT[history]:<40} {len(ids):>5,}  {' + '.join(order):<24} "
            f"{mean_ssc:7,.0f} SSC  NOK {mean_nok:10,.2f}"
            + (f"  — {len(wrong)} with other kinds" if wrong else ""))
        if wrong:
            problems.append(f"{len(wrong)} {HISTORY_TEXT[history]} installations priced with "
                            f"other kinds than {' + '.join(order)} (e.g. {wrong[0]})")
    return problems


if __name__ == "__main__":
    main(ARGS)
