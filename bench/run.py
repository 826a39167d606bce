"""Run the benchmarks and print one table: `make bench` (or `python -m bench.run pricing pdf`).

The pages, PDF and bulk benchmarks run against PostgreSQL: `make bench` creates the database
``ssa_bench`` on 127.0.0.1:5432 and seeds it once with ``python -m bench.seed_bulk``
(``BENCH_DATABASE_URL`` overrides it). Each benchmark module exposes ``run() -> list[Result]``.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ("pricing", "pages", "http", "pdf", "bulk")
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/ssa_bench"


def setup_django(database_url: str | None = None) -> None:
    """Django with the bench settings on `database_url`, else BENCH_DATABASE_URL, else the
    default bench database (never the embedded development SQLite)."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["DATABASE_URL"] = database_url or os.environ.get("BENCH_DATABASE_URL",
                                                                DEFAULT_DATABASE_URL)
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()


def format_value(value: float, unit: str) -> str:
    if unit in ("queries", "/min", "/s") or value >= 1000:
        return f"{value:,.0f} {unit}".replace(",", " ")
    if unit == "ratio":
        return f"{value:.2f}"
    return f"{value:.3g} {unit}" if value < 10 else f"{value:.1f} {unit}"


def print_table(results) -> None:
    rows = [("area", "measure", "value", "target", "met", "compared with (same run)")]
    for r in results:
        met = "" if r.met is None else ("yes" if r.met else "NO")
        rows.append((r.area, r.measure, format_value(r.value, r.unit), r.target, met, r.baseline))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if n == 0:
            print("  ".join("-" * w for w in widths))


def main(argv: list[str]) -> int:
    chosen = argv or list(BENCHMARKS)
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        print(f"Unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}.")
        return 2
    setup_django()
    results = []
    for name in chosen:
        started = time.perf_counter()
        print(f"… {name}", file=sys.stderr, flush=True)
        module = importlib.import_module(f"bench.bench_{name}")
        results.extend(module.run())
        print(f"  {name} took {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    print()
    print_table(results)
    missed = [r for r in results if r.met is False]
    if missed:
        print(f"\n{len(missed)} target(s) missed; see docs/PERFORMANCE.md for why.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
