"""Fault injection: issue offers through gunicorn while PostgreSQL restarts (docs/DOMAIN.md).

    python scripts/fault_test.py [--drafts 200] [--clients 6] [--restarts 2] [--deadline 150]

1. starts a throwaway PostgreSQL 15 cluster on a free loopback port (never the shared server
   on 5432), migrates it, loads the demo data and writes a signing key into a temp folder;
2. creates draft offers for installations that have something due;
3. serves the portal with gunicorn on another free loopback port, and lets client threads log
   in as the staff user and issue the drafts through the confirmation pages, retrying what got
   no answer or a 5xx (a retried POST is a double submission: it must do the work once);
4. restarts PostgreSQL meanwhile and measures how long the portal needs to answer a
   database-backed page again (FAIL above 60 s);
5. double-submits an issue and an acceptance (one after the other, and at the same time);
6. checks in the database that every acknowledged offer is issued, that each year's numbers
   run 1..max without a gap or a duplicate, and that no offer was issued or accepted twice.

Prints a summary table; exits 1 on any failure. Everything is removed afterwards (also on
Ctrl-C). Runs as root (PostgreSQL then runs as the `postgres` user) or as an ordinary user.
The parts live in the package scripts/faults/ (see its __init__).
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from faults.browser import Browser, LoggedOut, Trouble
from faults.clients import Tally, client, double_submissions
from faults.cluster import Cluster
from faults.common import (
    DOUBLE_SUBMISSION_OFFERS,
    HOST,
    PG_BIN,
    RECOVERY_LIMIT,
    ROOT,
    Failure,
    log,
    tail,
)
from faults.database import check_database, create_drafts
from faults.portal import Portal, manage, portal_env
from faults.report import print_report


def restart_and_measure(cluster: Cluster, monitor: Browser, pause: float,
                        limit: float) -> tuple[float, float, float | None]:
    """Stop PostgreSQL, wait `pause` seconds, start it; then poll a database-backed page (the
    offer list, logged in) until it answers 200. Returns (down at, up at, recovery seconds or
    None past `limit` + 30 s)."""
    down_at = time.monotonic()
    cluster.stop("fast")
    time.sleep(pause)
    cluster.start()
    up_at = time.monotonic()
    while time.monotonic() - up_at < limit + 30:
        try:
            if monitor.request("GET", "/offers/", timeout=10).status == 200:
                return down_at, up_at, time.monotonic() - up_at
        except (OSError, http.client.HTTPException):
            pass
        time.sleep(0.1)
    return down_at, up_at, None


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--drafts", type=int, default=200)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--restarts", type=int, default=2)
    parser.add_argument("--pause", type=float, default=2.0,
                        help="seconds PostgreSQL stays down on each restart")
    parser.add_argument("--deadline", type=float, default=180.0,
                        help="seconds the clients may take in all")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--keep-logs", type=Path, metavar="DIR",
                        help="copy the gunicorn and PostgreSQL logs there before cleaning up")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    if not (PG_BIN / "initdb").exists():
        raise Failure(f"no PostgreSQL 15 binaries in {PG_BIN} (set PG_BIN)")
    cluster = Cluster()
    data_dir = Path(tempfile.mkdtemp(prefix="ssa-fault-app-"))
    portal: Portal | None = None
    stop = threading.Event()
    failures: list[str] = []
    try:
        log(f"PostgreSQL 15 cluster in {cluster.dir}, port {cluster.port}")
        cluster.init()
        cluster.start()
        cluster.create_database()
        env = portal_env(cluster, data_dir)
        manage(env, "migrate", "--noinput", "-v", "0")
        manage(env, "seed_demo")
        manage(env, "create_signing_cert")
        log("migrated, demo data loaded, signing key written")

        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        load_ids, double_ids = create_drafts(args.drafts, DOUBLE_SUBMISSION_OFFERS)

        portal = Portal(env, data_dir / "gunicorn.log", args.workers, args.threads)
        portal.wait_healthy()
        log(f"gunicorn ({args.workers} workers x {args.threads} threads) on "
            f"{HOST}:{portal.port}")
        monitor = Browser(portal.port, timeout=10)
        monitor.login()

        tally = Tally()
        started = time.monotonic()
        deadline = started + args.deadline
        shares = [load_ids[i::args.clients] for i in range(args.clients)]
        threads = [threading.Thread(target=client, daemon=True, name=f"client-{i}",
                                    args=(portal.port, share, tally, deadline, stop, 60))
                   for i, share in enumerate(shares)]
        for thread in threads:
            thread.start()

        recoveries: list[float | None] = []
        windows: list[tuple[float, float]] = []
        for number in range(1, args.restarts + 1):
            threshold = len(load_ids) * number / (args.restarts + 1)
            while tally.acked < threshold and any(t.is_alive() for t in threads) and \
                    time.monotonic() < deadline:
                time.sleep(0.1)
            if not any(t.is_alive() for t in threads) or time.monotonic() >= deadline:
                failures.append(f"the clients finished before restart {number}")
                break
            log(f"restart {number}: PostgreSQL down for {args.pause:.0f} s "
                f"({tally.acked}/{len(load_ids)} acknowledged)")
            down_at, up_at, seconds = restart_and_measure(cluster, monitor, args.pause,
                                                          RECOVERY_LIMIT)
            recoveries.append(seconds)
            windows.append((down_at, up_at + (seconds if seconds is not None else 0)))
            if seconds is None or seconds > RECOVERY_LIMIT:
                failures.append(f"restart {number}: the portal did not recover within "
                                f"{RECOVERY_LIMIT:.0f} s")
                log(f"restart {number}: NOT recovered within {RECOVERY_LIMIT:.0f} s")
            else:
                log(f"restart {number}: portal answered /offers/ {seconds:.2f} s after "
                    "PostgreSQL was back")

        for thread in threads:
            thread.join(timeout=max(1.0, deadline - time.monotonic() + 30))
        elapsed = time.monotonic() - started
        log(f"clients done after {elapsed:.1f} s: {tally.acked}/{len(load_ids)} acknowledged")

        try:
            failures += [f"double submission: {p}"
                         for p in double_submissions(portal.port, double_ids)]
        except (Trouble, LoggedOut) as error:
            failures.append(f"double submission: no answer ({error})")

        checks = check_database(load_ids, double_ids, tally)
        failures += checks.failures()
        print_report(clients=args.clients, load_ids=load_ids, double_ids=double_ids,
                     tally=tally, checks=checks, recoveries=recoveries, windows=windows,
                     elapsed=elapsed, failures=failures, gunicorn_log=portal.log_path)
        if failures:
            print("FAIL")
            for failure in failures:
                print(f"  - {failure}")
            return 1
        print("PASS")
        return 0
    except Failure as error:
        print(f"FAIL: {error}", file=sys.stderr)
        print(f"--- postgres log ---\n{tail(cluster.log)}", file=sys.stderr)
        if portal is not None:
            print(f"--- gunicorn log ---\n{tail(portal.log_path)}", file=sys.stderr)
        return 1
    finally:
        stop.set()
        if portal is not None:
            portal.stop()
        if args.keep_logs:
            args.keep_logs.mkdir(parents=True, exist_ok=True)
            for path in (data_dir / "gunicorn.log", cluster.log):
                if path.exists():
                    shutil.copy(path, args.keep_logs / path.name)
        cluster.destroy()
        shutil.rmtree(data_dir, ignore_errors=True)
        log("cleaned up: gunicorn stopped, cluster and temp folders removed")


def _terminate(signum, frame):  # a kill is handled like Ctrl-C: clean up, then leave
    raise KeyboardInterrupt


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started in background
    try:
        sys.exit(main())
    except Failure as failure:
        print(f"FAIL: {failure}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
