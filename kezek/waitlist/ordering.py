"""The order of a cohort (Q4), as pure arithmetic over tier ranks.

A cohort's queue is: every extraordinary application (by registered_at, number), then first-priority
(P) and general (G) applications interleaved `1 : ratio` — P, G×ratio, P, G×ratio, … — and when one list
runs out the other continues alone. Within a tier the order is (registered_at, number), which is the
application's `ordinal` in its cohort.

Given the tier sizes, the position of the k-th member of a tier is a closed formula, and so is the
inverse (which tier and rank stand at position m). Positions are 1-based.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

EXTRAORDINARY = "extraordinary"
FIRST_PRIORITY = "first_priority"
GENERAL = "general"
TIERS = (EXTRAORDINARY, FIRST_PRIORITY, GENERAL)

T = TypeVar("T")


@dataclass(frozen=True)
class TierTotals:
    extraordinary: int
    first_priority: int
    general: int

    @property
    def total(self) -> int:
        return self.extraordinary + self.first_priority + self.general

    def of(self, tier: str) -> int:
        counts = {EXTRAORDINARY: self.extraordinary, FIRST_PRIORITY: self.first_priority}
        return counts.get(tier, self.general) if tier in TIERS else _unknown_tier(tier)


def _unknown_tier(tier: str) -> int:
    raise ValueError(f"unknown tier {tier!r}")


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def merged_position(*, tier: str, rank: int, totals: TierTotals, ratio: int) -> int:
    """Position in the cohort of the `rank`-th (1-based) application of `tier`."""
    if ratio < 1:
        raise ValueError("ratio must be at least 1")
    if not 1 <= rank <= totals.of(tier):
        raise ValueError(f"rank {rank} outside 1..{totals.of(tier)} of tier {tier}")
    if tier == EXTRAORDINARY:
        return rank
    head = totals.extraordinary
    if tier == FIRST_PRIORITY:
        # Before the p-th P stand p-1 P's and (p-1)·ratio G's, or all G's if fewer.
        return head + (rank - 1) + min(totals.general, (rank - 1) * ratio) + 1
    # Before the g-th G stand g-1 G's and one P per started block of `ratio` G's, or all P's if fewer.
    return head + rank + min(totals.first_priority, _ceil_div(rank, ratio))


def tier_at(*, position: int, totals: TierTotals, ratio: int) -> tuple[str, int]:
    """Inverse of `merged_position`: (tier, rank) of the application standing at `position`."""
    if not 1 <= position <= totals.total:
        raise ValueError(f"position {position} outside 1..{totals.total}")
    if position <= totals.extraordinary:
        return EXTRAORDINARY, position
    m = position - totals.extraordinary  # 1-based within the P/G part
    p_regular, g_regular = _counts_in_regular(totals.first_priority, totals.general, ratio)
    if m <= p_regular + g_regular:
        # While both lists last the pattern is regular: blocks of (1 P, `ratio` G).
        block_index, offset = divmod(m - 1, ratio + 1)
        if offset == 0:
            return FIRST_PRIORITY, block_index + 1
        return GENERAL, block_index * ratio + offset
    # Past the regular part one list has run out; the other continues alone.
    rest = m - (p_regular + g_regular)
    if p_regular < totals.first_priority:
        return FIRST_PRIORITY, p_regular + rest
    return GENERAL, g_regular + rest


def _counts_in_regular(p_total: int, g_total: int, ratio: int) -> tuple[int, int]:
    """How many P's and G's the strictly alternating part holds before one list runs out."""
    if p_total == 0 or g_total == 0:
        return 0, 0
    blocks_for_g = _ceil_div(g_total, ratio)
    if p_total >= blocks_for_g:
        # G runs out first, inside (or at the end of) block number `blocks_for_g`.
        return blocks_for_g, g_total
    # P runs out first: p_total full blocks.
    return p_total, p_total * ratio


def interleave(
    *, extraordinary: Sequence[T], first_priority: Sequence[T], general: Sequence[T], ratio: int
) -> list[T]:
    """Reference implementation of the cohort order by plain list building (used by tests and replay)."""
    order: list[T] = list(extraordinary)
    p, g = 0, 0
    while p < len(first_priority) or g < len(general):
        if p < len(first_priority):
            order.append(first_priority[p])
            p += 1
        take = general[g : g + ratio]
        order.extend(take)
        g += len(take)
    return order
