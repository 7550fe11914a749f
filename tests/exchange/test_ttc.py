"""E73: top trading cycles against a brute force over every allocation of small markets (hypothesis):
the outcome is individually rational (every participant weakly better off), and no allocation of the
same offers makes someone better off and nobody worse off (Pareto efficiency) by the documented order:
kindergarten rank, then the seat's offer time, then its id."""

import itertools
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st

from kezek.exchange.ttc import Agent, top_trading_cycles

Fits = Callable[[Agent, int], bool]


@st.composite
def markets(draw: st.DrawFn) -> tuple[list[Agent], set[tuple[int, int]]]:
    n = draw(st.integers(1, 6))
    kindergartens = draw(st.integers(2, 4))
    agents = []
    for i in range(n):
        kindergarten = draw(st.integers(0, kindergartens - 1))
        others = [k for k in range(kindergartens) if k != kindergarten]
        ranks = draw(st.lists(st.sampled_from(others), unique=True, max_size=len(others)))
        agents.append(
            Agent(
                id=i + 1,
                order=(draw(st.integers(0, 3)),),  # ties in time: broken by id
                group=kindergarten * 10 + draw(st.integers(0, 1)),
                kindergarten=kindergarten,
                ranks=tuple(ranks),
                barred=frozenset(draw(st.sets(st.integers(1, n), max_size=1))),
            )
        )
    groups = {a.group for a in agents}
    unfit = draw(st.sets(st.tuples(st.integers(1, n), st.sampled_from(sorted(groups))), max_size=3))
    return agents, unfit


def _utility(agent: Agent, seat: Agent, fits: Fits, order: dict[int, int]) -> tuple[int, int] | None:
    """The agent's strict order of seats, as a sortable key (lower is better); None: not acceptable."""
    if seat.id == agent.id:
        return (len(agent.ranks), 0)
    if seat.kindergarten not in agent.ranks or seat.id in agent.barred or not fits(agent, seat.group):
        return None
    return (agent.ranks.index(seat.kindergarten), order[seat.id])


def _allocation(agents: list[Agent], cycles: list[list[int]]) -> dict[int, int]:
    got = {a.id: a.id for a in agents}
    for cycle in cycles:
        for i, agent in enumerate(cycle):
            got[agent] = cycle[(i + 1) % len(cycle)]
    return got


def _feasible(agents: list[Agent], fits: Fits, order: dict[int, int]) -> list[dict[int, int]]:
    by_id = {a.id: a for a in agents}
    out = []
    for perm in itertools.permutations([a.id for a in agents]):
        got = dict(zip([a.id for a in agents], perm, strict=True))
        if all(_utility(by_id[a], by_id[s], fits, order) is not None for a, s in got.items()):
            out.append(got)
    return out


@settings(max_examples=400, deadline=None)
@given(markets())
def test_ttc_is_rational_and_pareto_efficient(market: tuple[list[Agent], set[tuple[int, int]]]) -> None:
    agents, unfit = market
    by_id = {a.id: a for a in agents}

    def fits(agent: Agent, group: int) -> bool:
        return (agent.id, group) not in unfit

    order = {a.id: i for i, a in enumerate(sorted(agents, key=lambda a: (a.order, a.id)))}
    cycles = top_trading_cycles(agents, fits)
    seen = [agent for cycle in cycles for agent in cycle]
    assert len(seen) == len(set(seen))  # an offer is in one cycle at most
    assert all(len(cycle) >= 2 for cycle in cycles)
    got = _allocation(agents, cycles)
    mine: dict[int, tuple[int, int]] = {}
    for agent in agents:
        value = _utility(agent, by_id[got[agent.id]], fits, order)
        # Individually rational: each step is acceptable, so every participant is weakly better off.
        assert value is not None
        assert value <= (len(agent.ranks), 0)
        mine[agent.id] = value
    for other in _feasible(agents, fits, order):
        theirs = {a.id: _utility(a, by_id[other[a.id]], fits, order) or (99, 0) for a in agents}
        # Pareto by the strict order (with the tie-break): nothing at least as good for all, better for one.
        if all(theirs[a] <= mine[a] for a in mine):
            assert theirs == mine


def test_a_three_cycle_and_a_pair() -> None:
    """a → b → c → a trades as one cycle; a pair of mutual wishes trades too; nobody else moves."""
    agents = [
        Agent(1, (1,), 10, 1, (2,)),
        Agent(2, (2,), 20, 2, (3,)),
        Agent(3, (3,), 30, 3, (1,)),
        Agent(4, (4,), 40, 4, (5,)),
        Agent(5, (5,), 50, 5, (4,)),
        Agent(6, (6,), 60, 6, (1,)),
    ]
    assert top_trading_cycles(agents, lambda agent, group: True) == [[1, 2, 3], [4, 5]]


def test_ties_go_to_the_earlier_offer() -> None:
    """E73: two seats of one kindergarten: the earlier offer's seat is taken (then the lower id)."""
    agents = [Agent(1, (5,), 10, 1, (2,)), Agent(3, (1,), 20, 2, (1,)), Agent(2, (1,), 21, 2, (1,))]
    # Offers 2 and 3 were made at the same time: 2, the lower id, gives its seat; the cycle is written
    # from its earliest offer.
    assert top_trading_cycles(agents, lambda agent, group: True) == [[2, 1]]
