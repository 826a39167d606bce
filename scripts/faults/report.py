"""The summary of a run: the table, the client errors outside the outages, what the gunicorn log
says went wrong, and notes on what the outage cost."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from faults.clients import Tally
from faults.common import RECOVERY_LIMIT, RECOVERY_TARGET, ROOT, tail
from faults.database import Checks

PROJECT_FRAME_RE = re.compile(
    rf'^  File "{re.escape(str(ROOT))}/((?:quotes|customers|ssa_portal)/[\w/]+\.py)", '
    r"line (\d+), in (\S+)")
EXCEPTION_RE = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Timeout)):? ?(.*)$")


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


def print_report(*, clients: int, load_ids: list[int], double_ids: list[int], tally: Tally,
                 checks: Checks, recoveries: list[float | None],
                 windows: list[tuple[float, float]], elapsed: float, failures: list[str],
                 gunicorn_log: Path) -> None:
    """Print the summary table and the notes below it; the verdict (PASS or FAIL and the
    failures) is the caller's."""
    during = sum(1 for at, _ in tally.errors
                 if any(start <= at <= end for start, end in windows))
    outside = [what for at, what in tally.errors
               if not any(start <= at <= end for start, end in windows)]
    hows = Counter(tally.acknowledged.values())

    def seconds(value: float | None) -> str:
        return "never" if value is None else f"{value:.2f}"

    rows = [
        ("clients", clients),
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
    exceptions = server_exceptions(gunicorn_log)
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
