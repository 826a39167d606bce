"""Fault injection: issue offers through gunicorn while PostgreSQL restarts (DESIGN.md §3).

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
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections import Counter, deque
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
HOST = "127.0.0.1"  # everything here listens on and talks to loopback only
STAFF_USER = "staff@ssa.example.no"
DEMO_PASSWORD = "demo-ssa-2026"  # noqa: S105 - the printed demo login of seed_demo
DATABASE = "ssa_fault"
RECOVERY_TARGET = 10.0
RECOVERY_LIMIT = 60.0
DOUBLE_SUBMISSION_OFFERS = 3  # two one-after-the-other, one at the same time
LEVEL_SUCCESS, LEVEL_ERROR = 25, 40  # django.contrib.messages levels
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PROJECT_FRAME_RE = re.compile(
    rf'^  File "{re.escape(str(ROOT))}/((?:quotes|customers|ssa_portal)/[\w/]+\.py)", '
    r"line (\d+), in (\S+)")
EXCEPTION_RE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout)):? ?(.*)$")


class Failure(Exception):
    """The set-up could not be done; the message says what failed."""


STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[fault-test {time.monotonic() - STARTED:6.1f}s] {message}", flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def run(cmd: list[str], *, env: dict | None = None, as_postgres: bool = False,
        timeout: float = 300) -> str:
    """Run a fixed argument list (no shell) and return its output; Failure if it fails."""
    if as_postgres and os.geteuid() == 0:  # initdb and postgres refuse to run as root
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    # A session of its own: a Ctrl-C in the terminal reaches this script, which cleans up,
    # rather than the server processes directly.
    result = subprocess.run(  # noqa: S603 - fixed argument lists built here, no shell
        cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
        start_new_session=True, check=False)
    if result.returncode:
        raise Failure(f"{' '.join(cmd)} exited with {result.returncode}:\n"
                      f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result.stdout


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"({path} unreadable)"


# --- the throwaway PostgreSQL cluster --------------------------------------------------------


class Cluster:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="ssa-fault-pg-"))
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.port = free_port()
        self.initialised = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@{HOST}:{self.port}/{DATABASE}"

    def pg_ctl(self, *args: str, timeout: float = 120) -> str:
        return run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), *args], as_postgres=True,
                   timeout=timeout)

    def init(self) -> None:
        run([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
             "-E", "UTF8", "--locale=C", "--no-sync"], as_postgres=True)
        self.initialised = True

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses={HOST} -c fsync=off "
                   "-c max_connections=100")
        self.pg_ctl("-o", options, "-l", str(self.log), "start", "-w", "-t", "60")

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("stop", "-m", mode, "-w", "-t", "60")

    def create_database(self) -> None:
        import psycopg

        admin = f"postgresql://postgres@{HOST}:{self.port}/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')

    def destroy(self) -> None:
        if self.initialised and (self.data / "postmaster.pid").exists():
            try:
                self.stop("immediate")
            except (Failure, subprocess.TimeoutExpired) as error:
                log(f"could not stop PostgreSQL: {error}")
                self._kill_postmaster()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        try:  # the postmaster this script started; its backends follow it
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --- a tiny browser: stdlib http.client with a cookie jar -----------------------------------


class Trouble(Exception):
    """A request that got no usable answer (connection error, 5xx, unexpected page)."""

    def __init__(self, what: str, *, posted: bool = False):
        super().__init__(what)
        self.what = what
        self.posted = posted


class LoggedOut(Exception):
    pass


@dataclass
class Reply:
    status: int
    location: str
    body: str

    @property
    def redirect_path(self) -> str:
        return urlsplit(self.location).path if self.location else ""


class Browser:
    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.port = port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}
        self.lock = threading.Lock()

    def copy(self) -> Browser:
        other = Browser(self.port, self.timeout)
        other.cookies = dict(self.cookies)
        return other

    def request(self, method: str, path: str, form: dict | None = None,
                timeout: float | None = None) -> Reply:
        headers = {"Host": f"{HOST}:{self.port}", "Accept-Language": "en"}
        with self.lock:
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout or self.timeout)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                self._store(header)
            return Reply(response.status, response.getheader("Location") or "", text)
        finally:
            conn.close()

    def _store(self, header: str) -> None:
        jar = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            return
        with self.lock:
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.coded_value

    def flash_levels(self) -> list[int]:
        """The levels of the flash messages the last redirect left in the `messages` cookie
        (signed, not encrypted: readable without the key). Consumed here."""
        with self.lock:
            raw = self.cookies.pop("messages", "")
        if not raw:
            return []
        try:
            payload = raw.strip('"').split(":", 1)[0]  # value:timestamp:signature
            compressed = payload.startswith(".")
            payload = payload.lstrip(".")
            data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            if compressed:
                data = zlib.decompress(data)
            return [item[2] for item in json.loads(data) if isinstance(item, list)]
        except (ValueError, zlib.error, IndexError, TypeError):
            return []

    def get_form_token(self, path: str) -> str:
        try:
            reply = self.request("GET", path)
        except (OSError, http.client.HTTPException) as error:
            raise Trouble(f"GET {type(error).__name__}") from error
        if reply.status == 302 and reply.redirect_path.startswith("/accounts/login/"):
            raise LoggedOut
        if reply.status != 200:
            raise Trouble(f"GET {reply.status}")
        match = CSRF_RE.search(reply.body)
        if not match:
            raise Trouble("GET without a CSRF token")
        return match.group(1)

    def post(self, path: str, form: dict) -> Reply:
        try:
            reply = self.request("POST", path, form)
        except (OSError, http.client.HTTPException) as error:
            raise Trouble(f"POST {type(error).__name__}", posted=True) from error
        if reply.status == 302 and reply.redirect_path.startswith("/accounts/login/"):
            raise LoggedOut
        return reply

    def login(self) -> None:
        token = self.get_form_token("/accounts/login/")
        reply = self.post("/accounts/login/", {
            "csrfmiddlewaretoken": token, "username": STAFF_USER, "password": DEMO_PASSWORD})
        if reply.status != 302:
            raise Trouble(f"login POST {reply.status}")


# --- the shared tally ------------------------------------------------------------------------


@dataclass
class Tally:
    lock: threading.Lock = field(default_factory=threading.Lock)
    acknowledged: dict[int, str] = field(default_factory=dict)  # id -> issued/already/unknown
    errors: list[tuple[float, str]] = field(default_factory=list)  # (monotonic time, what)
    unanswered_posts: int = 0  # POSTs retried after a 5xx or no answer at all
    gave_up: list[int] = field(default_factory=list)

    def ack(self, quote_id: int, how: str) -> None:
        with self.lock:
            self.acknowledged.setdefault(quote_id, how)

    def error(self, what: str, *, posted: bool = False) -> None:
        with self.lock:
            self.errors.append((time.monotonic(), what))
            self.unanswered_posts += posted

    @property
    def acked(self) -> int:
        with self.lock:
            return len(self.acknowledged)


def issue_once(browser: Browser, quote_id: int) -> str:
    """GET the confirmation page, POST it. 'issued' when this POST issued the offer,
    'already' when the portal answered that it was issued before (a repeated submission)."""
    path = f"/offers/{quote_id}/issue/"
    token = browser.get_form_token(path)
    reply = browser.post(path, {"csrfmiddlewaretoken": token})
    if reply.status == 302 and reply.redirect_path == f"/offers/{quote_id}/":
        levels = browser.flash_levels()
        if LEVEL_SUCCESS in levels:
            return "issued"
        return "already" if LEVEL_ERROR in levels else "unknown"
    raise Trouble(f"POST {reply.status}", posted=True)


def client(port: int, ids: list[int], tally: Tally, deadline: float,
           stop: threading.Event, max_attempts: int) -> None:
    browser = Browser(port)
    pending = deque(ids)
    attempts: Counter[int] = Counter()
    logged_in = False
    while pending and time.monotonic() < deadline and not stop.is_set():
        if not logged_in:
            try:
                browser.login()
                logged_in = True
            except (Trouble, LoggedOut) as error:
                tally.error(f"login {getattr(error, 'what', 'redirected')}")
                time.sleep(0.5)
            continue
        quote_id = pending.popleft()
        attempts[quote_id] += 1
        try:
            tally.ack(quote_id, issue_once(browser, quote_id))
        except LoggedOut:
            logged_in = False
            pending.appendleft(quote_id)
        except Trouble as error:
            tally.error(error.what, posted=error.posted)
            if attempts[quote_id] < max_attempts:
                pending.append(quote_id)  # try again later (a POST again: double submission)
            else:
                with tally.lock:
                    tally.gave_up.append(quote_id)
            time.sleep(0.3)
    with tally.lock:
        tally.gave_up.extend(pending)


# --- the portal -------------------------------------------------------------------------------


def portal_env(cluster: Cluster, data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("SSA_SIGNING_PASSPHRASE", "MEDIA_ROOT", "SSA_TASKS_BACKEND", "EMAIL_BACKEND"):
        env.pop(name, None)
    env.update({
        "DJANGO_SETTINGS_MODULE": "ssa_portal.settings",
        "DATABASE_URL": cluster.url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DEBUG": "false",
        "SSA_ENV": "development",  # plain HTTP on loopback (production insists on HTTPS)
        "CONN_MAX_AGE": "60",
        "SSA_DATA_DIR": str(data_dir),
        "SSA_SIGNING_P12": str(data_dir / "signing" / "fault-test.p12"),
        "SSA_SIGNING_PASSPHRASE": secrets.token_urlsafe(24),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    })
    return env


def manage(env: dict, *args: str) -> str:
    return run([sys.executable, str(ROOT / "manage.py"), *args], env=env, timeout=600)


def create_drafts(count: int, reserve: int) -> tuple[list[int], list[int]]:
    """`count` drafts for installations with something due, several per installation, and
    `reserve` more on installations of their own (accepted later, so they must not share an
    installation with any other offer that is issued meanwhile)."""
    from django.contrib.auth.models import User
    from django.db import connections
    from django.utils import timezone

    from customers.models import Installation
    from quotes import selectors, services

    staff = User.objects.get(username=STAFF_USER)
    today = timezone.localdate()
    due = []
    for installation in selectors.with_pricing_data(Installation.objects.order_by("pk")):
        try:
            result, _book = selectors.price_installations(installations=[installation],
                                                          quote_date=today)
        except selectors.PricingUnavailable:
            continue
        if result.has_lines:
            due.append(installation)
    if len(due) < reserve + 1:
        raise Failure(f"only {len(due)} demo installations have something due")
    reserved, pool = due[:reserve], due[reserve:]

    def draft(installation) -> int:
        return services.quote_create(customer=installation.customer,
                                     installations=[installation], user=staff).pk

    load_ids = [draft(pool[index % len(pool)]) for index in range(count)]
    double_ids = [draft(installation) for installation in reserved]
    log(f"{count} drafts on {len(pool)} installations with something due, "
        f"{len(double_ids)} more for the double submissions")
    connections.close_all()
    return load_ids, double_ids


class Portal:
    def __init__(self, env: dict, log_path: Path, workers: int, threads: int) -> None:
        self.port = free_port()
        self.log_path = log_path
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self._log = log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            [str(gunicorn), "ssa_portal.wsgi", "-w", str(workers), "--threads", str(threads),
             "-b", f"{HOST}:{self.port}", "--timeout", "60", "--graceful-timeout", "5"],
            cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_healthy(self, seconds: float = 60) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise Failure(f"gunicorn exited with {self.process.returncode}:\n"
                              f"{tail(self.log_path)}")
            try:
                if Browser(self.port).request("GET", "/healthz/", timeout=2).status == 200:
                    return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.2)
        raise Failure(f"gunicorn did not answer /healthz/ within {seconds:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            try:  # the gunicorn master and its workers: the session this script started
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)
            except ProcessLookupError:
                pass
        self._log.close()


# --- the run ---------------------------------------------------------------------------------


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


def double_submissions(port: int, ids: list[int]) -> list[str]:
    """Issue and accept each offer twice: the first ones one POST after the other, the last
    one with both POSTs at the same time. Returns the problems seen on the HTTP side."""
    problems: list[str] = []
    browser = Browser(port, timeout=60)
    browser.login()

    def twice(quote_id: int, action: str, form: dict, together: bool) -> None:
        path = f"/offers/{quote_id}/{action}/"
        form = {"csrfmiddlewaretoken": browser.get_form_token(path), **form}
        replies: list[tuple[Reply, list[int]]] = []
        if together:
            barrier = threading.Barrier(2)
            lock = threading.Lock()

            def one(own: Browser) -> None:
                barrier.wait()
                reply = own.post(path, form)
                with lock:
                    replies.append((reply, own.flash_levels()))

            threads = [threading.Thread(target=one, args=(browser.copy(),)) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        else:
            for _ in range(2):
                reply = browser.post(path, form)
                replies.append((reply, browser.flash_levels()))
        statuses = [(r.status, r.redirect_path) for r, _levels in replies]
        if len(replies) != 2 or any(s != (302, f"/offers/{quote_id}/") for s in statuses):
            problems.append(f"{action} #{quote_id} twice: answers {statuses}")
            return
        levels = sorted(level for _r, lv in replies for level in lv)
        if levels and levels != [LEVEL_SUCCESS, LEVEL_ERROR]:
            problems.append(f"{action} #{quote_id} twice: message levels {levels} (expected "
                            "one success, one 'already')")

    for index, quote_id in enumerate(ids):
        together = index == len(ids) - 1
        twice(quote_id, "issue", {}, together)
        twice(quote_id, "accept", {"accepted_by_name": "Kari Kunde"}, together)
    return problems


@dataclass
class Checks:
    issued: int = 0
    lost: list[int] = field(default_factory=list)
    not_done: list[int] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    issued_twice: list[int] = field(default_factory=list)
    double_problems: list[str] = field(default_factory=list)
    pdf_signed: int = 0
    pdf_failed: dict[str, int] = field(default_factory=dict)
    pdf_silent: list[str] = field(default_factory=list)  # no PDF, no error, nothing recorded


def check_database(load_ids: list[int], double_ids: list[int], tally: Tally) -> Checks:
    from django.db import connections
    from django.db.models import Count

    from customers.models import AgreementPeriod
    from quotes.models import Quote, QuoteCounter, QuoteEvent, QuoteState

    connections.close_all()  # the connection from before the restarts is gone
    checks = Checks()
    quotes = {q.pk: q for q in Quote.objects.filter(pk__in=load_ids + double_ids)}
    issued_states = (QuoteState.ISSUED, QuoteState.ACCEPTED)
    checks.issued = sum(1 for pk in load_ids
                        if quotes[pk].state in issued_states and quotes[pk].number)
    checks.lost = sorted(pk for pk in tally.acknowledged
                         if not (quotes[pk].state in issued_states and quotes[pk].number))
    checks.not_done = sorted(pk for pk in load_ids if pk not in tally.acknowledged)

    numbered = Quote.objects.exclude(number_sequence=None)
    for year in sorted(set(numbered.values_list("number_year", flat=True))):
        sequences = list(numbered.filter(number_year=year, revision=1)
                         .values_list("number_sequence", flat=True))
        repeated = [s for s, n in Counter(sequences).items() if n > 1]
        checks.duplicates += [f"{year}/{s}" for s in sorted(repeated)]
        missing = sorted(set(range(1, max(sequences) + 1)) - set(sequences))
        checks.gaps += [f"{year}/{s}" for s in missing]
        counter = QuoteCounter.objects.filter(year=year).first()
        if counter is None or counter.last != max(sequences):
            checks.gaps.append(f"{year}: counter at {counter and counter.last}, "
                               f"highest number {max(sequences)}")
    repeated_numbers = (Quote.objects.exclude(number=None).values("number")
                        .annotate(n=Count("pk")).filter(n__gt=1))
    checks.duplicates += [row["number"] for row in repeated_numbers]
    checks.issued_twice = sorted(
        row["quote_id"] for row in QuoteEvent.objects.filter(kind=QuoteEvent.Kind.ISSUED)
        .values("quote_id").annotate(n=Count("pk")).filter(n__gt=1))

    for pk in double_ids:
        quote = Quote.objects.get(pk=pk)
        accepted = quote.events.filter(kind=QuoteEvent.Kind.ACCEPTED).count()
        periods = quote.periods.count()
        made = AgreementPeriod.objects.filter(note=quote.number).count() if quote.number else 0
        if quote.state != QuoteState.ACCEPTED or accepted != 1 or not periods or \
                periods != made:
            checks.double_problems.append(
                f"#{pk} {quote.number}: state {quote.state}, {accepted} acceptance events, "
                f"{periods} periods on the offer, {made} periods noted with its number")

    issued = Quote.objects.filter(pk__in=load_ids + double_ids).exclude(number=None)
    checks.pdf_signed = issued.exclude(pdf_sha256="").count()
    failed = Counter(error.split(":", 1)[0] for error in issued.filter(pdf_sha256="")
                     .values_list("pdf_error", flat=True))
    checks.pdf_failed = dict(failed)
    checks.pdf_silent = list(issued.filter(pdf_sha256="", pdf_error="", pdf_attempts=0)
                             .order_by("number").values_list("number", flat=True))
    connections.close_all()
    return checks


def server_exceptions(log_path: Path) -> Counter[str]:
    """What gunicorn's workers logged: per failed request, the path (ids as <id>), where in
    the project code it failed last, and the exception it ended with (the last one of a
    chained traceback)."""
    found: Counter[str] = Counter()
    path = where = last = ""

    def flush() -> None:
        if last:
            found[f"{path} {where}: {last}".strip()] += 1

    for line in tail(log_path, 500000).splitlines():
        if line.startswith("Internal Server Error:"):
            flush()
            path = re.sub(r"/\d+/", "/<id>/", line.split(":", 1)[1].strip())
            where = last = ""
        elif "WORKER TIMEOUT" in line:
            found["gunicorn WORKER TIMEOUT"] += 1
        elif (frame := PROJECT_FRAME_RE.match(line)) is not None:
            where = f"[{frame.group(1)}:{frame.group(2)} {frame.group(3)}]"
        elif (match := EXCEPTION_RE.match(line)) is not None:
            text = re.sub(r'connection to server at "[^"]*", port \d+ failed: ', "",
                          match.group(2))
            last = f"{match.group(1)}: {text[:60]}"
    flush()
    return found


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
        during = sum(1 for at, _ in tally.errors
                     if any(start <= at <= end for start, end in windows))
        outside = [what for at, what in tally.errors
                   if not any(start <= at <= end for start, end in windows)]
        hows = Counter(tally.acknowledged.values())

        if checks.lost:
            failures.append(f"acknowledged but not issued: {checks.lost}")
        if checks.not_done:
            failures.append(f"{len(checks.not_done)} drafts never acknowledged: "
                            f"{checks.not_done[:20]}")
        if checks.gaps:
            failures.append(f"gaps in the numbering: {checks.gaps[:20]}")
        if checks.duplicates:
            failures.append(f"duplicate numbers: {checks.duplicates[:20]}")
        if checks.issued_twice:
            failures.append(f"offers issued twice (two 'issued' events): {checks.issued_twice}")
        failures += [f"double submission: {p}" for p in checks.double_problems]

        def seconds(value: float | None) -> str:
            return "never" if value is None else f"{value:.2f}"

        rows = [
            ("clients", args.clients),
            ("drafts", len(load_ids)),
            ("acknowledged", f"{len(tally.acknowledged)} ({hows['issued']} by that POST, "
                             f"{hows['already']} answered 'already issued', "
                             f"{hows['unknown']} unclassified)"),
            ("issued", checks.issued),
            ("errors seen during the outage", during),
            ("errors outside the outage", len(outside)),
            ("POSTs repeated (5xx/no answer)", tally.unanswered_posts),
            ("restarts", len(recoveries)),
            ("recovery seconds per restart", ", ".join(seconds(s) for s in recoveries)
             + f"  (target {RECOVERY_TARGET:.0f}, limit {RECOVERY_LIMIT:.0f})"),
            ("offers lost", len(checks.lost)),
            ("gaps", len(checks.gaps)),
            ("duplicates", len(checks.duplicates) + len(checks.issued_twice)),
            ("double submissions (issue+accept)",
             f"{len(double_ids)} offers, "
             f"{'ok' if not any('double' in f for f in failures) else 'FAILED'}"),
            ("signed PDFs", f"{checks.pdf_signed} of {checks.issued + len(double_ids)} "
                            f"issued; without: {checks.pdf_failed or 0}"),
            ("client run time", f"{elapsed:.1f} s"),
        ]
        width = max(len(name) for name, _ in rows)
        print()
        print("=" * 78)
        for name, value in rows:
            print(f"{name:<{width}}  {value}")
        print("=" * 78)
        if outside:
            print("errors outside the outage windows:", dict(Counter(outside)))
        exceptions = server_exceptions(portal.log_path)
        if exceptions:
            print("exceptions in the gunicorn log:")
            for text, count in exceptions.most_common(12):
                print(f"  {count:>4}  {text}")
        if checks.pdf_silent:
            print(f"note: {len(checks.pdf_silent)} issued offers lost their PDF to the outage "
                  "(manage.py prepare_missing_pdfs queues them after two minutes): "
                  f"{', '.join(checks.pdf_silent[:10])}")
        if hows["already"]:
            print(f"NOTE: {hows['already']} issues were committed although the client got a 5xx "
                  "or no answer; the repeated POST was told 'already issued'")
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
