"""A bulk renewal on both cores: signed offers per minute (issue 8).

`python -m bench.bulk_demo` (bench/bulk_demo.py) runs as a subprocess on its own throwaway
PostgreSQL database (made, migrated and dropped here, never the benchmark's seeded one): it seeds
INSTALLATIONS installations due for renewal for about INSTALLATIONS / 2.2 customers, queues one
renewal batch (one offer per customer, 1–4 installations each) and lets two `db_worker`
processes issue, render, sign and store each offer. Its `BULK_RESULT` line counts offers. The
rate is counted from the first to the last finished item, so the workers' start (importing
WeasyPrint, about a second each) does not distort it; the rate over the whole wall time is
reported beside it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import Result

ROOT = Path(__file__).resolve().parent.parent
INSTALLATIONS = int(os.environ.get("BENCH_BULK_INSTALLATIONS", "660"))  # ≈ 300 offers
WORKERS = 2
DATABASE = "ssa_bench_bulk"
ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TARGET = 300


def _database_url() -> str:
    server = ADMIN_URL.rsplit("/", 1)[0]
    return f"{server}/{DATABASE}"


def _run(args: list[str], env: dict) -> str:
    done = subprocess.run(  # noqa: S603 - our own manage.py, scripts and bench modules
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
        text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def run() -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="bench-bulk-") as media:
        env = {**os.environ, "DATABASE_URL": _database_url(), "MEDIA_ROOT": media,
               "DEBUG": "false"}
        _run(["scripts/pg_database.py", "recreate", DATABASE], env)
        try:
            _run(["manage.py", "migrate", "--noinput", "-v", "0"], env)
            output = _run(["-m", "bench.bulk_demo", "--installations", str(INSTALLATIONS),
                           "--workers", str(WORKERS)], env)
        finally:
            _run(["scripts/pg_database.py", "drop", DATABASE], env)
    match = re.search(r"^BULK_RESULT (.*)$", output, re.MULTILINE)
    if match is None:
        raise RuntimeError(f"bench.bulk_demo printed no BULK_RESULT line:\n{output}")
    figures = dict(pair.split("=", 1) for pair in match.group(1).split())
    steady, total = float(figures["steady_per_min"]), float(figures["total_per_min"])
    done, failed = int(figures["done"]), int(figures["failed"])
    return [
        Result("bulk", f"signed offers per minute, {WORKERS} workers", steady, "/min",
               f">= {TARGET}", steady >= TARGET and failed == 0,
               f"{done} offers of 1–4 installations ({failed} failed), first to last finished "
               f"item in {figures['first_to_last_s']} s; worker start left out"),
        Result("bulk", "… counting the workers' start too", total, "/min",
               baseline=f"{done} offers in {figures['elapsed_s']} s wall time"),
    ]
