"""A renewal campaign at scale: seed installations due for renewal, run one bulk batch through
the background workers while printing progress, then check the result.

    make bulk-demo            # 2,000 installations on a throwaway PostgreSQL database
"""

import subprocess
import sys
import time
from datetime import date

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from common.months import first_july_after
from customers import services as customer_services
from customers.access import STAFF_GROUP
from customers.models import (
    AgreementPeriod,
    Customer,
    Installation,
    LicenseHolding,
    LicenseType,
    Reseller,
)
from quotes import services
from quotes.models import Quote
from quotes.verification import check_signature


class Command(BaseCommand):
    help = "Seed installations due for renewal and renew them all in the background."

    def add_arguments(self, parser):
        parser.add_argument("--installations", type=int, default=2000)
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, installations, workers, **options):
        if connection.vendor != "postgresql":
            raise CommandError("bulk_demo runs on PostgreSQL (set DATABASE_URL).")
        today = timezone.localdate()
        window = first_july_after(today)
        staff = self.staff_user()
        started = time.monotonic()
        seeded = self.seed(installations, window)
        self.stdout.write(f"Seeded {len(seeded)} installations paid until {window:%d.%m.%Y} "
                          f"in {time.monotonic() - started:.1f} s.")
        created = services.renewal_batch_create(
            user=staff, window_end=window,
            installations=list(Installation.objects.filter(pk__in=seeded)
                               .select_related("customer")))
        batch = created.batch
        self.stdout.write(f"Batch {batch.pk}: {created.added} installations queued; "
                          f"{workers} workers.")
        started = time.monotonic()
        log = (settings.DATA_DIR / "bulk-demo-workers.log").open("w")
        processes = [subprocess.Popen(  # noqa: S603 - our own manage.py
            [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload",
             "--no-startup-delay"], stdout=log, stderr=log)
            for _ in range(workers)]
        self.stdout.write(f"Worker output: {log.name}")
        last = None
        while True:
            progress = batch.progress()
            line = (f"  {progress['done']} done, {progress['failed']} failed, of "
                    f"{progress['total']} ({progress['percent']} %)")
            if line != last:
                self.stdout.write(line)
                last = line
            if progress["finished"] or all(p.poll() is not None for p in processes):
                break
            time.sleep(1)
        for process in processes:
            process.wait()
        log.close()
        elapsed = time.monotonic() - started
        progress = batch.progress()
        self.stdout.write(f"Finished in {elapsed:.0f} s: {progress['done']} offers, "
                          f"{60 * progress['done'] / elapsed:.0f} signed offers per minute.")
        self.stdout.write(self.result_line(batch, progress, elapsed))
        self.check_result(batch, staff, window)

    @staticmethod
    def result_line(batch, progress, elapsed: float) -> str:
        """One machine-readable line for bench/bench_bulk.py. `steady_per_min` counts from the
        first to the last finished item, leaving out the workers' start (importing WeasyPrint
        takes about a second each); `total_per_min` is done / wall time from the start."""
        finished = sorted(batch.items.exclude(finished_at=None)
                          .values_list("finished_at", flat=True))
        span = (finished[-1] - finished[0]).total_seconds() if len(finished) > 1 else 0.0
        steady = 60 * (len(finished) - 1) / span if span else 0.0
        return (f"BULK_RESULT done={progress['done']} failed={progress['failed']} "
                f"elapsed_s={elapsed:.2f} first_to_last_s={span:.2f} "
                f"total_per_min={60 * progress['done'] / elapsed:.1f} "
                f"steady_per_min={steady:.1f}")

    def staff_user(self) -> User:
        user, _ = User.objects.get_or_create(username="bulk-staff@ssa.example.no")
        user.groups.add(Group.objects.get(name=STAFF_GROUP))
        return user

    @transaction.atomic
    def seed(self, count: int, window: date) -> list[int]:
        reseller, _ = Reseller.objects.get_or_create(name="Bulk Demo Forhandler AS")
        port = LicenseType.objects.get(code="port")
        uc = LicenseType.objects.get(code="uc")
        stamp = timezone.now().strftime("%H%M%S")
        customers = Customer.objects.bulk_create(
            Customer(reseller=reseller, name=f"Bulkkunde {stamp}-{n:05d} AS", city="Oslo")
            for n in range((count + 1) // 2))
        installations = Installation.objects.bulk_create(
            Installation(customer=customers[n // 2], name=f"PBX {n % 2 + 1}",
                         hardware_model="IP811", firmware_version="15r1")
            for n in range(count))
        holdings = LicenseHolding.objects.bulk_create(
            LicenseHolding(installation=i, license_type=lt, quantity=q,
                           activated_on=date(window.year - 3, 3, 1))
            for n, i in enumerate(installations)
            for lt, q in ((port, 10 + n % 40), (uc, 2 + n % 10)))
        periods = AgreementPeriod.objects.bulk_create(
            AgreementPeriod(installation=i, start=window.replace(year=window.year - 1),
                            end=window, note="bulk demo")
            for i in installations)
        Through = AgreementPeriod.holdings.through
        Through.objects.bulk_create(
            Through(agreementperiod_id=period.pk, licenseholding_id=holding.pk)
            for period, pair in zip(periods, zip(holdings[::2], holdings[1::2], strict=True),
                                    strict=True)
            for holding in pair)
        customer_services.installations_refresh_paid_until(
            Installation.objects.filter(pk__in=[i.pk for i in installations]))
        return [i.pk for i in installations]

    def check_result(self, batch, staff, window) -> None:
        quotes = Quote.objects.filter(pk__in=batch.items.values("quote_id"))
        sequences = sorted(Quote.objects.issued().filter(number_year=timezone.localdate().year)
                           .values_list("number_sequence", flat=True))
        gapless = sequences == list(range(1, len(sequences) + 1))
        bad = [q.number for q in quotes if not q.pdf_sha256 or not self.verifies(q)]
        rerun = services.renewal_batch_create(
            user=staff, window_end=window,
            installations=list(Installation.objects.filter(
                pk__in=batch.items.values("installation_id")).select_related("customer")))
        self.stdout.write(f"Numbers without gaps: {'yes' if gapless else 'NO'}; "
                          f"PDFs that do not validate: {len(bad)}; "
                          f"re-running the batch added {rerun.added}.")
        if not gapless or bad or rerun.added:
            raise CommandError("The bulk renewal did not check out.")

    @staticmethod
    def verifies(quote) -> bool:
        with quote.pdf.open("rb") as pdf:
            return check_signature(pdf.read()).genuine
