"""A renewal worker killed in the middle of an item: a real `db_worker` process, SIGKILLed while
it holds an item, the sweeper queuing the item again, and a fresh worker finishing the batch
with every offer made exactly once (PostgreSQL: the killed worker's open transaction must roll
back and its row locks go with its connection)."""

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection

from quotes import services
from quotes.models import Quote, QuoteCounter, RenewalItem
from tests.quotes.test_renewals import WINDOW, due_installation

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="a second process needs a real database server")

ROOT = Path(__file__).resolve().parents[2]
# The workers run on the suite's clock (a test never reads the wall clock): the date of
# tests/conftest.py's FROZEN_NOW, ticking from there so that waiting and timeouts work.
WORKER = ("import sys, runpy, time_machine; "
          "time_machine.travel('2026-03-05T10:30:00+01:00', tick=True).start(); "
          "sys.argv = ['manage.py', *sys.argv[1:]]; "
          "runpy.run_path('manage.py', run_name='__main__')")


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (f"postgresql://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}")


def _worker_env(tmp_path) -> dict:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DJANGO_ALLOW_ASYNC", "PYTEST"))}
    env.update({
        "DATABASE_URL": _database_url(), "SSA_DATA_DIR": str(tmp_path),
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        "SSA_SIGNING_P12": str(django_settings.SSA_SIGNING_P12),
        "SSA_SIGNING_PASSPHRASE": django_settings.SSA_SIGNING_PASSPHRASE,
        "SSA_TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "SSA_PUBLIC_BASE_URL": django_settings.SSA_PUBLIC_BASE_URL,
    })
    return env


def _wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.2)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_worker_killed_mid_item_is_recovered_by_the_sweeper_and_every_offer_is_made_once(
        settings, tmp_path, staff, customer_a):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    installations = [due_installation(customer_a, f"Site {i}") for i in range(3)]
    QuoteCounter.objects.create(year=2026, last=0)
    batch = services.renewal_batch_create(user=staff, installations=installations,
                                          window_end=WINDOW, per_installation=True).batch
    env = _worker_env(tmp_path)
    command = [sys.executable, "-c", WORKER, "db_worker", "--no-startup-delay",
               "--interval", "0.2"]
    # Hold the numbering row: the worker takes an item and then waits inside it, mid-issue.
    with psycopg.connect(_database_url(), autocommit=False) as blocker:
        blocker.execute("SELECT last FROM quotes_quotecounter WHERE year = 2026 FOR UPDATE")
        worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            _wait_for(lambda: RenewalItem.objects.filter(started_at__isnull=False).exists(),
                      120, "the worker to take an item")
            # Inside the item: the worker's connection waits for the number row we hold.
            with psycopg.connect(_database_url(), autocommit=True) as watcher:
                _wait_for(lambda: watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND query ILIKE '%%quotes_quotecounter%%' AND pid <> %s",
                    [blocker.info.backend_pid]).fetchone()[0] == 1,
                    60, "the worker to wait for the number")
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
        blocker.rollback()

    taken = RenewalItem.objects.get(started_at__isnull=False)
    assert (taken.status, taken.attempts) == (RenewalItem.Status.PENDING, 1)
    assert not Quote.objects.exists(), "the killed worker's work rolled back"
    assert QuoteCounter.objects.get(year=2026).last == 0, "no number was used"

    # The sweeper, after the timeout: the dead worker's item is queued again.
    later = taken.started_at + services.renewals.item_timeout() + timedelta(seconds=1)
    swept = services.renewal_sweep(now=later)
    assert swept.queued_again == [taken.pk] and swept.given_up == []

    finisher = subprocess.run([*command, "--batch"], cwd=ROOT, env=env, timeout=300,
                              capture_output=True, text=True)
    assert finisher.returncode == 0, finisher.stderr[-2000:]
    assert batch.progress()["finished"] and batch.progress()["done"] == 3
    made = list(batch.items.values_list("quote_id", flat=True))
    assert len(set(made)) == 3 and None not in made
    numbers = sorted(Quote.objects.issued().values_list("number", flat=True))
    assert numbers == ["SSA-2026-00001", "SSA-2026-00002", "SSA-2026-00003"]
    for installation in installations:
        assert Quote.objects.filter(installations=installation).count() == 1
    # Every offer runs to the cycle after the window.
    assert {s.end for q in Quote.objects.all() for s in q.sections.all()} == {date(2027, 7, 1)}
