"""What every benchmark shares: timing helpers and the one result row that `make bench` prints.

A benchmark module in `bench/` exposes ``run() -> list[Result]``; `bench/run.py` calls them in
order and prints one table. Figures are reported against a baseline measured in the same run
(a ratio), never against a number remembered from another machine or day.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    area: str  # "pricing", "pages", "pdf", "bulk"
    measure: str  # what was measured, e.g. "quote list p95"
    value: float
    unit: str  # "ms", "s", "/s", "/min", "ratio", "queries"
    target: str = ""  # e.g. "< 150 ms", "<= 1.15"; empty when only reported
    met: bool | None = None  # None when there is no target
    baseline: str = ""  # what the ratio/value is compared with, measured in the same run


def timed(fn: Callable[[], object], *, clock: Callable[[], float] = time.perf_counter) -> float:
    """Seconds one call of ``fn`` takes (garbage collection off while it runs).

    ``clock=time.process_time`` counts the CPU time of this process instead of the wall clock:
    for single-core work it is what one core spends, whatever else the machine is doing.
    """
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        started = clock()
        fn()
        return clock() - started
    finally:
        if gc_was_enabled:
            gc.enable()


def samples(
    fn: Callable[[], object],
    *,
    repeat: int,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
) -> list[float]:
    """Seconds of ``repeat`` calls of ``fn`` after ``warmup`` unmeasured ones."""
    for _ in range(warmup):
        fn()
    return [timed(fn, clock=clock) for _ in range(repeat)]


def median(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    """The 95th percentile (nearest rank), so it is a value that was actually measured."""
    ordered = sorted(values)
    rank = max(1, -(-95 * len(ordered) // 100))  # ceil(0.95 n)
    return ordered[rank - 1]
