"""Fenwick trees of queued applications per (locality, cohort, tier), stored in `waitlist_rank_node`.

Node `i` holds the number of queued applications with ordinal in `(i - lowbit(i), i]`. Counting the
queued applications of a tier with ordinal <= x reads the nodes x, x - lowbit(x), … (at most
log2(CAPACITY) rows); adding or removing one writes the nodes x, x + lowbit(x), … up to CAPACITY. Node
CAPACITY therefore holds the tier's total. Missing rows count as zero.

Callers hold the cohort's `CohortCounter` row lock (see services), so the writes of one cohort are
serialised and always touch rows in ascending order: no deadlocks.
"""

from django.db import connection

from .models import RankNode

CAPACITY = 1 << 21  # ordinals per cohort and locality: 2 097 152


def _check(ordinal: int) -> None:
    if not 1 <= ordinal <= CAPACITY:
        raise ValueError(f"ordinal {ordinal} outside 1..{CAPACITY}")


def update_nodes(ordinal: int) -> list[int]:
    """Nodes to change when the application with `ordinal` joins or leaves the queue."""
    _check(ordinal)
    nodes = []
    while ordinal <= CAPACITY:
        nodes.append(ordinal)
        ordinal += ordinal & -ordinal
    return nodes


def prefix_nodes(ordinal: int) -> list[int]:
    """Nodes whose sum is the count of ordinals 1..`ordinal` (empty for 0)."""
    if ordinal:
        _check(ordinal)
    nodes = []
    while ordinal > 0:
        nodes.append(ordinal)
        ordinal -= ordinal & -ordinal
    return nodes


def rank_add(*, locality_id: int, cohort: int, tier: str, ordinal: int, delta: int) -> None:
    """Count (+1) or uncount (-1) one queued application. Must run inside the caller's transaction.

    Its nodes are written in ascending order (see the module docstring: no deadlocks).
    """
    if delta not in (1, -1):
        raise ValueError("delta must be +1 or -1")
    nodes = update_nodes(ordinal)
    table = RankNode._meta.db_table
    with connection.cursor() as cursor:
        if delta > 0:
            values = ", ".join(["(%s, %s, %s, %s, 1)"] * len(nodes))
            params: list[int | str] = []
            for node in nodes:
                params += [locality_id, cohort, tier, node]
            cursor.execute(
                f"INSERT INTO {table} (locality_id, cohort, tier, node, count) VALUES {values} "  # noqa: S608
                "ON CONFLICT (locality_id, cohort, tier, node) "
                f"DO UPDATE SET count = {table}.count + excluded.count",
                params,
            )
            return
        # The nodes exist already (they were counted up before); a missing one is a broken tree.
        marks = ", ".join(["%s"] * len(nodes))
        cursor.execute(
            f"UPDATE {table} SET count = count - 1 "  # noqa: S608
            f"WHERE locality_id = %s AND cohort = %s AND tier = %s AND node IN ({marks})",
            [locality_id, cohort, tier, *nodes],
        )
        if cursor.rowcount != len(nodes):
            raise RuntimeError(f"rank tree of {locality_id}/{cohort}/{tier} lacks nodes {nodes}")


def rebuild_rows(ordinals_by_tier: dict[str, list[int]]) -> dict[tuple[str, int], int]:
    """Node counts of a whole cohort built from scratch (for bulk loads): {(tier, node): count}."""
    counts: dict[tuple[str, int], int] = {}
    for tier, ordinals in ordinals_by_tier.items():
        for ordinal in ordinals:
            for node in update_nodes(ordinal):
                counts[tier, node] = counts.get((tier, node), 0) + 1
    return counts


def rank_remove_many(*, locality_id: int, ordinals: dict[tuple[int, str], list[int]]) -> None:
    """Uncount many queued applications at once (bulk sweeps), given as {(cohort, tier): ordinals}: each
    node is written once, by the sum of its decrements, in ascending order. Must run inside the caller's
    transaction, holding the cohorts' locks."""
    decrements: dict[tuple[int, str, int], int] = {}
    for (cohort, tier), tier_ordinals in ordinals.items():
        for ordinal in tier_ordinals:
            for node in update_nodes(ordinal):
                key = (cohort, tier, node)
                decrements[key] = decrements.get(key, 0) + 1
    table = RankNode._meta.db_table
    rows = [(cohort, tier, node, delta) for (cohort, tier, node), delta in sorted(decrements.items())]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement over four arrays: no per-node round trip, no thousands of placeholders to parse.
            cursor.execute(
                f"UPDATE {table} AS r SET count = r.count - d.delta "  # noqa: S608
                "FROM unnest(%s::integer[], %s::varchar[], %s::integer[], %s::integer[]) "
                "AS d(cohort, tier, node, delta) "
                "WHERE r.locality_id = %s AND r.cohort = d.cohort AND r.tier = d.tier AND r.node = d.node",
                [[row[i] for row in rows] for i in range(4)] + [locality_id],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET count = count - %s "  # noqa: S608
                "WHERE locality_id = %s AND cohort = %s AND tier = %s AND node = %s",
                [(delta, locality_id, cohort, tier, node) for cohort, tier, node, delta in rows],
            )
        if cursor.rowcount != len(rows):
            raise RuntimeError(f"rank trees of locality {locality_id} lack nodes")
