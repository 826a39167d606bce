"""The pricing engine alone: 10,000 installations (10 holdings, 2 agreement periods each) priced in
one `pricing.price` call on one core. No database: the engine is pure Python. Times are CPU
seconds of this process (`time.process_time`), so load on the other core does not blur them.

The baseline measured in the same run is the cost of building the inputs (10,000 frozen
dataclass trees), a floor that no engine can go below; the figure that counts is the time of the
call itself against the 1 s target.
"""

from __future__ import annotations

import random
import time
from datetime import date
from decimal import Decimal

from bench.common import Result, median, samples
from quotes import pricing

INSTALLATIONS = 10_000
QUOTE_DATE = date(2026, 11, 15)
CODES = ("port", "uc", "mypbx", "voicemail", "switchboard", "reporting", "queue-monitor",
         "standby", "mobility", "video", "fax", "app-sharing", "recording")
RATES = {"port": 74, "uc": 30, "mypbx": 30, "voicemail": 15, "switchboard": 150, "reporting": 30,
         "queue-monitor": 30, "standby": 20, "mobility": 30, "video": 15, "fax": 15,
         "app-sharing": 15}
BOOK = pricing.PriceBookIn(nok_per_ssc=Decimal("1.40"), retroactive_factor=Decimal("2"),
                           vat_rate=Decimal("0.25"), rates=RATES)


def installation(n: int, rng: random.Random) -> pricing.InstallationIn:
    """About 10 holdings of mixed types and ages, some ended, some rented or not covered, and two
    yearly periods; a third of the installations lapsed a year ago (retroactive months), some had
    licenses added mid-term (co-term months)."""
    lapsed = n % 3 == 0
    last_end = date(2025, 7, 1) if lapsed else date(2026, 7, 1)
    holdings = []
    for k in range(10):
        code = CODES[(n + k) % len(CODES)]
        activated = date(2022 + rng.randrange(0, 5), rng.randrange(1, 13), rng.randrange(1, 28))
        if activated > QUOTE_DATE:
            activated = date(2026, 10, 3)
        ended = date(2026, rng.randrange(8, 13), 1) if k == 9 and n % 4 == 0 else None
        holdings.append(pricing.HoldingIn(
            id=n * 100 + k, license_code=code, license_name=code, covered=code != "recording",
            rented=k == 8 and n % 5 == 0, quantity=rng.randrange(1, 60), activated_on=activated,
            ended_on=ended))
    first_start = date(last_end.year - 2, 7, 1)
    middle = date(last_end.year - 1, 7, 1)
    paid_first = frozenset(h.id for h in holdings if h.activated_on < middle)
    paid_second = frozenset(h.id for h in holdings if h.activated_on < date(middle.year, 1, 1))
    periods = (pricing.PeriodIn(first_start, middle, paid_first),
               pricing.PeriodIn(middle, last_end, paid_second))
    return pricing.InstallationIn(
        id=n, name=f"PBX {n}", deployment=pricing.DEPLOYMENT_ON_PREMISE, firmware_version="15r1",
        firmware_released_on=date(2024, 5, 1), holdings=tuple(holdings), periods=periods)


def build_inputs() -> tuple[pricing.InstallationIn, ...]:
    rng = random.Random(8)
    return tuple(installation(n, rng) for n in range(INSTALLATIONS))


def run() -> list[Result]:
    installations = build_inputs()

    def price_all():
        return pricing.price(installations=installations, quote_date=QUOTE_DATE, book=BOOK,
                             newest_firmware_release=date(2025, 6, 1))

    result = price_all()
    lines = len(result.lines)
    # CPU time of this process: one core's work, not disturbed by load on the other core.
    building = median(samples(build_inputs, repeat=3, warmup=0, clock=time.process_time))
    pricing_s = median(samples(price_all, repeat=5, warmup=1, clock=time.process_time))
    return [
        Result("pricing", f"price {INSTALLATIONS:_} installations in one call ({lines:_} lines)"
               .replace("_", " "), pricing_s, "s", target="< 1 s", met=pricing_s < 1,
               baseline=f"building the inputs: {building:.2f} s (CPU time)"),
        Result("pricing", "installations per second, one core", INSTALLATIONS / pricing_s, "/s",
               target=">= 10 000 /s", met=INSTALLATIONS / pricing_s >= 10_000),
    ]
