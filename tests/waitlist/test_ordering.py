"""Q4 order as arithmetic: the closed formulas agree with plain list building, for any mix."""

from hypothesis import given
from hypothesis import strategies as st

from kezek.waitlist.ordering import (
    EXTRAORDINARY,
    FIRST_PRIORITY,
    GENERAL,
    TierTotals,
    interleave,
    merged_position,
    tier_at,
)

sizes = st.integers(min_value=0, max_value=40)
ratios = st.integers(min_value=1, max_value=6)


def build(e: int, p: int, g: int, ratio: int) -> list[tuple[str, int]]:
    return interleave(
        extraordinary=[(EXTRAORDINARY, i + 1) for i in range(e)],
        first_priority=[(FIRST_PRIORITY, i + 1) for i in range(p)],
        general=[(GENERAL, i + 1) for i in range(g)],
        ratio=ratio,
    )


@given(sizes, sizes, sizes, ratios)
def test_formulas_agree_with_the_reference_order(e: int, p: int, g: int, ratio: int) -> None:
    totals = TierTotals(e, p, g)
    order = build(e, p, g, ratio)
    assert len(order) == totals.total
    for position, (tier, rank) in enumerate(order, start=1):
        assert merged_position(tier=tier, rank=rank, totals=totals, ratio=ratio) == position
        assert tier_at(position=position, totals=totals, ratio=ratio) == (tier, rank)


@given(sizes, sizes, sizes, ratios)
def test_positions_are_exactly_one_to_n(e: int, p: int, g: int, ratio: int) -> None:
    totals = TierTotals(e, p, g)
    positions = sorted(
        merged_position(tier=tier, rank=rank, totals=totals, ratio=ratio)
        for tier, size in ((EXTRAORDINARY, e), (FIRST_PRIORITY, p), (GENERAL, g))
        for rank in range(1, size + 1)
    )
    assert positions == list(range(1, totals.total + 1))


@given(sizes, sizes, ratios)
def test_interleave_pattern(p: int, g: int, ratio: int) -> None:
    """P, G×ratio, P, G×ratio, …; when one list runs out the other continues alone; each in order."""
    tiers = [tier for tier, _rank in build(0, p, g, ratio)]
    both = min(p, -(-g // ratio)) if g else 0
    for block in range(both):
        start = block * (ratio + 1)
        assert tiers[start] == FIRST_PRIORITY
        generals = min(ratio, g - block * ratio)
        assert tiers[start + 1 : start + 1 + generals] == [GENERAL] * generals
    order = build(0, p, g, ratio)
    for tier in (FIRST_PRIORITY, GENERAL):
        ranks = [rank for t, rank in order if t == tier]
        assert ranks == sorted(ranks)


def test_the_papers_example() -> None:
    order = [tier[0] for tier, _rank in build(1, 2, 5, 3)]
    assert order == ["e", "f", "g", "g", "g", "f", "g", "g"]  # E, P, G, G, G, P, G, G
