"""Requests per second under gunicorn: the quote detail against a bare view, same run.

gunicorn serves `bench.settings` (the portal plus one bare view) from the bench database; wrk,
on loopback, requests the issued offer's detail page and then the bare view (same middleware
stack, same logged-in session, a constant body) with the same connections and duration. The
target is a ratio measured in one run: the quote detail reaches at least 50 % of the bare
view's requests per second.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.urls import reverse

from bench.bench_pages import Cast
from bench.common import Result

ROOT = Path(__file__).resolve().parent.parent
WORKERS = int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
DURATION = os.environ.get("BENCH_WRK_DURATION", "10s")
CONNECTIONS = int(os.environ.get("BENCH_WRK_CONNECTIONS", "4"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def session_cookie(user) -> str:
    """A logged-in session for ``user`` stored in the bench database, as the login view would."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def wait_until_up(url: str, cookie: str, process: subprocess.Popen) -> None:
    request = urllib.request.Request(url, headers={"Cookie": cookie})  # noqa: S310 - loopback
    for _ in range(100):
        if process.poll() is not None:
            raise SystemExit("gunicorn stopped; see var/bench-gunicorn.log")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url}")


def wrk(url: str, cookie: str) -> float:
    """Requests per second that wrk measured; non-2xx answers make the run fail."""
    output = subprocess.run(  # noqa: S603 - fixed arguments
        [shutil.which("wrk") or "wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", DURATION,
         "-H", f"Cookie: {cookie}", url],
        check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"wrk saw errors on {url}:\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def run() -> list[Result]:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: run `make system-deps`.")
    cast = Cast()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    cookie = session_cookie(cast.reseller_user)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "DEBUG": "false"}
    log = (Path(settings.DATA_DIR) / "bench-gunicorn.log").open("w")
    process = subprocess.Popen(  # noqa: S603 - our own gunicorn
        [sys.executable, "-m", "gunicorn", "ssa_portal.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(WORKERS), "--access-logfile", "-", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        detail = base + reverse("quote_detail", args=[cast.issued.pk])
        bare = base + reverse("bench_bare")
        for url in (detail, bare):
            wait_until_up(url, cookie, process)
        detail_rps = wrk(detail, cookie)
        bare_rps = wrk(bare, cookie)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    ratio = detail_rps / bare_rps
    setup = f"gunicorn {WORKERS} workers, wrk {CONNECTIONS} connections × {DURATION}"
    return [
        Result("http", "bare view (baseline), requests/s", bare_rps, "/s", baseline=setup),
        Result("http", "quote detail (issued), requests/s", detail_rps, "/s", baseline=setup),
        Result("http", "quote detail ÷ bare view", ratio, "ratio", target=">= 0.50",
               met=ratio >= 0.5, baseline="same gunicorn, session and middleware"),
    ]
