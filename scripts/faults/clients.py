"""The clients: threads that issue drafts through the confirmation pages and retry what got no
answer or a 5xx (a retried POST is a double submission: it must do the work once), the tally
they share, and the deliberate double submissions of an issue and an acceptance."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field

from faults.browser import LEVEL_ERROR, LEVEL_SUCCESS, Browser, LoggedOut, Reply, Trouble


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
