"""The order of a cohort (Q4), as arithmetic over tier ranks and counts.

A cohort's queue is: every extraordinary application (by registered_at, number — its `ordinal`), then
first-priority (P) and general (G) applications interleaved `1 : ratio` — P, G×ratio, P, G×ratio, … —
and when one list runs out the other continues alone. One more rule makes the order fair in time: **a
general application never overtakes a first-priority one registered before it.** So when the general
list had run out at the moment a P registered, that P keeps its place ahead of the G's that come later:
registering a general application never changes anyone's position (issue #3), and only an
extraordinary one moves those behind it, by exactly one.

Formally, with P_k the k-th queued P and G_g the g-th queued G (each by ordinal), P_k stands before G_g
iff ``min((k-1)·ratio, Gbefore(P_k)) <= g-1`` where Gbefore(x) counts the queued G's registered before x.
Both sides only grow with k, which gives the closed formulas of `position` below. `interleave` is the
plain step-by-step merge that tests and the ledger replay compare them with. Positions are 1-based.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

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


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def position(*, tier: str, rank: int, totals: TierTotals, ratio: int, before: int = 0) -> int:
    """Position in the cohort of the `rank`-th (1-based) queued application of `tier`.

    `before`: for a P, the number of queued G's registered before it; for a G, the number of queued P's
    registered before it (ignored for extraordinary applications).
    """
    if ratio < 1:
        raise ValueError("ratio must be at least 1")
    if tier == EXTRAORDINARY:
        return rank
    head = totals.extraordinary
    if tier == FIRST_PRIORITY:
        # Before P_k: the k-1 earlier P's and the G's of its pattern slot, but no G registered after it.
        return head + (rank - 1) + min((rank - 1) * ratio, before) + 1
    if tier == GENERAL:
        # Before G_g: g-1 G's; the P's of the started blocks, and every P registered before it.
        return head + rank + max(min(totals.first_priority, _ceil_div(rank, ratio)), before)
    raise ValueError(f"unknown tier {tier!r}")


def interleave(
    *,
    extraordinary: Sequence[T],
    first_priority: Sequence[tuple[Any, T]],
    general: Sequence[tuple[Any, T]],
    ratio: int,
) -> list[T]:
    """Reference order by a plain merge (tests, replay). P and G items are (key, item) sorted by key: the
    ordinal within a cohort, or (registered_at, number) across cohorts.

    The next P goes first when its turn in the pattern has come (ratio G's per earlier P already
    placed) or when the next G registered after it; otherwise the next G goes.
    """
    order: list[T] = list(extraordinary)
    p = g = 0
    while p < len(first_priority) or g < len(general):
        p_turn = p < len(first_priority) and (
            g == len(general) or g >= p * ratio or first_priority[p][0] < general[g][0]
        )
        if p_turn:
            order.append(first_priority[p][1])
            p += 1
        else:
            order.append(general[g][1])
            g += 1
    return order
