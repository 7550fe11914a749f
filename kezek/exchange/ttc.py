"""Top trading cycles (E73), pure: no ORM, no clock.

Every agent owns one seat (its own offer's) and ranks kindergartens. Its strict order of seats is: the
seats of its first kindergarten it may take (`fits`), earliest offer first (offer time, then id), then
those of its second kindergarten, and so on; its own seat after all of them; any other seat is not
acceptable. Each agent points at the owner of its best remaining seat (itself when none is left); every
cycle trades, its agents leave, the others point again, until nobody is left. A cycle of one keeps its
seat. With strict orders the outcome is unique, individually rational and Pareto-efficient (Shapley and
Scarf, 1974), whatever the order cycles are found in.

The walk follows pointers along a path; a cycle found on the path is removed and the walk resumes from
the agent just before it, which points again (its target left). Each agent re-points only when its target
leaves, and each kindergarten's seats are scanned from a moving head: O(n + choices) for the whole round.
"""

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Agent:
    """An offer: its id (also its seat's id), its order key (earlier offers first), its seat's group and
    kindergarten, and the kindergartens it ranks, best first."""

    id: int
    order: tuple[Hashable, ...]
    group: int
    kindergarten: int
    ranks: tuple[int, ...]
    barred: frozenset[int] = field(default=frozenset())  # seats it may not take this round (E75)


def top_trading_cycles(agents: Sequence[Agent], fits: Callable[[Agent, int], bool]) -> list[list[int]]:
    """The cycles of length ≥ 2, each as agent ids in pointing order (agent i takes the seat of agent
    i + 1, the last the first's), each starting at its earliest agent; cycles in the order found.
    `fits(agent, group)`: whether the agent's child may take a seat of `group` (age range, language)."""
    ordered = sorted(agents, key=lambda a: (a.order, a.id))
    by_id = {a.id: a for a in ordered}
    # Each kindergarten's seats, by group, earliest first; `heads` skips seats already gone.
    seats: dict[int, dict[int, list[int]]] = {}
    for agent in ordered:
        seats.setdefault(agent.kindergarten, {}).setdefault(agent.group, []).append(agent.id)
    heads: dict[int, int] = {}
    rank_of = {a.id: i for i, a in enumerate(ordered)}
    gone: set[int] = set()
    fitting: dict[tuple[int, int], list[int]] = {}

    def groups_fitting(agent: Agent, kindergarten: int) -> list[int]:
        """The kindergarten's groups the agent may take a seat of (asked once per pair)."""
        key = (agent.id, kindergarten)
        if key not in fitting:
            fitting[key] = [group for group in seats[kindergarten] if fits(agent, group)]
        return fitting[key]

    def first_left(group: int, kindergarten: int, barred: frozenset[int]) -> int | None:
        queue = seats[kindergarten][group]
        start = heads.get(group, 0)
        while start < len(queue) and queue[start] in gone:
            start += 1
        heads[group] = start
        for index in range(start, len(queue)):
            seat = queue[index]
            if seat not in gone and seat not in barred:
                return seat
        return None

    def target(agent: Agent) -> int:
        for kindergarten in agent.ranks:
            if kindergarten == agent.kindergarten or kindergarten not in seats:
                continue
            best: int | None = None
            for group in groups_fitting(agent, kindergarten):
                seat = first_left(group, kindergarten, agent.barred)
                if seat is not None and (best is None or rank_of[seat] < rank_of[best]):
                    best = seat
            if best is not None:
                return best
        return agent.id

    pointer: dict[int, int] = {}
    cycles: list[list[int]] = []
    for start in ordered:
        if start.id in gone:
            continue
        path: list[int] = [start.id]
        on_path = {start.id: 0}
        while path:
            current = path[-1]
            nxt = pointer.get(current)
            if nxt is None or nxt in gone:
                nxt = pointer[current] = target(by_id[current])
            if nxt in on_path:
                cycle = path[on_path[nxt] :]
                for agent_id in cycle:
                    gone.add(agent_id)
                    del on_path[agent_id]
                del path[len(path) - len(cycle) :]
                if len(cycle) > 1:
                    low = cycle.index(min(cycle, key=rank_of.__getitem__))
                    cycles.append(cycle[low:] + cycle[:low])
                continue
            on_path[nxt] = len(path)
            path.append(nxt)
    return cycles
