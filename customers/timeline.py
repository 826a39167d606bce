"""An installation's agreement history as people read it: the months it was under agreement, the
gaps, paid-until and how long it has lapsed (docs/DOMAIN.md#agreement-periods). Pure: it merges
month spans with the same `common.months.merge_spans` the pricing engine uses."""

from dataclasses import dataclass
from datetime import date

from common.months import merge_spans, months_lapsed


@dataclass(frozen=True)
class AgreementTimeline:
    covered: tuple[tuple[date, date], ...]  # merged [from, to) spans under agreement
    gaps: tuple[tuple[date, date], ...]  # uncovered spans from the first start up to `until`
    paid_until: date | None
    months_lapsed: int  # months without agreement from paid-until up to `until`

    @classmethod
    def build(cls, periods: list[tuple[date, date]], *, until: date) -> "AgreementTimeline":
        """`periods` as `[start, end)` pairs; `until` is a first-of-month (exclusive)."""
        covered = merge_spans(periods)
        if not covered:
            return cls((), (), None, 0)
        gaps = [(covered[i][1], covered[i + 1][0]) for i in range(len(covered) - 1)]
        paid_until = covered[-1][1]
        if paid_until < until:
            gaps.append((paid_until, until))
        return cls(covered, tuple(gaps), paid_until, months_lapsed(paid_until, until))

    def is_covered(self, month: date) -> bool:
        return any(start <= month < end for start, end in self.covered)
