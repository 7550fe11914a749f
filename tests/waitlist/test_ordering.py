"""Q4 order as arithmetic: the closed formulas agree with the plain merge, for any mix and any timing."""

from hypothesis import given
from hypothesis import strategies as st

from kezek.waitlist.ordering import EXTRAORDINARY, FIRST_PRIORITY, GENERAL, TierTotals, interleave, position

ratios = st.integers(min_value=1, max_value=6)
# A cohort as the tiers of its applications in registration order (ordinal = index + 1).
cohorts = st.lists(st.sampled_from([EXTRAORDINARY, FIRST_PRIORITY, GENERAL, GENERAL, GENERAL]), max_size=60)


def order(tiers: list[str], ratio: int) -> list[int]:
    """Ordinals in queue order, by the reference merge."""
    by_tier = {tier: [(i + 1, i + 1) for i, t in enumerate(tiers) if t == tier] for tier in set(tiers)}
    return interleave(
        extraordinary=[ordinal for ordinal, _ in by_tier.get(EXTRAORDINARY, [])],
        first_priority=by_tier.get(FIRST_PRIORITY, []),
        general=by_tier.get(GENERAL, []),
        ratio=ratio,
    )


def formula_positions(tiers: list[str], ratio: int) -> dict[int, int]:
    totals = TierTotals(tiers.count(EXTRAORDINARY), tiers.count(FIRST_PRIORITY), tiers.count(GENERAL))
    other = {FIRST_PRIORITY: GENERAL, GENERAL: FIRST_PRIORITY}
    result = {}
    for i, tier in enumerate(tiers):
        rank = tiers[: i + 1].count(tier)
        before = tiers[:i].count(other[tier]) if tier in other else 0
        result[i + 1] = position(tier=tier, rank=rank, totals=totals, ratio=ratio, before=before)
    return result


@given(cohorts, ratios)
def test_formulas_agree_with_the_reference_merge(tiers: list[str], ratio: int) -> None:
    expected = {ordinal: pos for pos, ordinal in enumerate(order(tiers, ratio), start=1)}
    assert formula_positions(tiers, ratio) == expected
    assert sorted(expected.values()) == list(range(1, len(tiers) + 1))


@given(cohorts, ratios)
def test_interleave_pattern_when_everyone_registered_at_once(tiers: list[str], ratio: int) -> None:
    """With every G registered before every P, the order is exactly P, G×ratio, P, G×ratio, … (Q4)."""
    p, g = tiers.count(FIRST_PRIORITY), tiers.count(GENERAL)
    tiers = [GENERAL] * g + [FIRST_PRIORITY] * p
    placed = [tiers[ordinal - 1] for ordinal in order(tiers, ratio)]
    expected: list[str] = []
    while len(expected) < p + g:
        if expected.count(FIRST_PRIORITY) < p:
            expected.append(FIRST_PRIORITY)
        left = g - expected.count(GENERAL)
        expected += [GENERAL] * min(ratio, left)
    assert placed == expected


@given(cohorts, ratios, st.sampled_from([EXTRAORDINARY, FIRST_PRIORITY, GENERAL]))
def test_a_newcomer_moves_only_those_behind_it(tiers: list[str], ratio: int, newcomer: str) -> None:
    """A new G moves nobody; a new E moves everyone behind it by one; nobody is ever moved forward."""
    before = formula_positions(tiers, ratio)
    after = formula_positions([*tiers, newcomer], ratio)
    mine = after[len(tiers) + 1]
    for ordinal, old in before.items():
        assert after[ordinal] == (old + 1 if old >= mine else old)
    if newcomer == GENERAL:
        assert mine == len(tiers) + 1


def test_a_small_example() -> None:
    tiers = [GENERAL, GENERAL, GENERAL, GENERAL, GENERAL, FIRST_PRIORITY, FIRST_PRIORITY, EXTRAORDINARY]
    placed = [tiers[ordinal - 1][0] for ordinal in order(tiers, 3)]
    assert placed == ["e", "f", "g", "g", "g", "f", "g", "g"]  # E, P, G, G, G, P, G, G
