"""E47: monitoring's part of `integrity_check` — the live cards, points and dates against the ledger's replay
(`kezek.integrity.replay`: `monitoring_cards`, `monitoring_points`, `monitoring_dates`).

Every card's hash is recomputed from its marks and salt: a level changed in SQL (the database's triggers
disabled, for a locked point) no longer hashes to the ledger's sha256. A locked point's stored hash of its
cards is recomputed too. Findings are (kind, object, expected, found) tuples, no child data."""

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from .hashing import card_sha256, cards_sha256
from .models import Card, CardMark, Point, PointDates

FindingTuple = tuple[str, str, str, str]


def monitoring_findings(
    *,
    cards: dict[int, list[Any]],
    points: dict[int, list[Any]],
    dates: dict[str, list[Any]],
    chunk_size: int = 5000,
) -> Iterator[FindingTuple]:
    marks: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for card, indicator, level in CardMark.objects.values_list("card_id", "indicator__code", "level__code"):
        marks[card].append((indicator, level))
    by_point: dict[int, list[tuple[int, str]]] = defaultdict(list)
    rows = Card.objects.order_by("pk").values_list(
        "pk", "point_id", "enrollment_id", "point__template__version", "salt", "sha256"
    )
    seen: set[int] = set()
    for pk, point, enrollment, template, salt, stored in rows.iterator(chunk_size=chunk_size):
        seen.add(pk)
        by_point[point].append((pk, stored))
        name = f"monitoring card {pk}"
        expected = cards.get(pk)
        if expected is None:
            yield "monitoring_card.unrecorded", name, "a monitoring.card_saved event", "a live card"
            continue
        live = card_sha256(
            point=point, enrollment=enrollment, template=template, salt=salt, marks=marks.get(pk, [])
        )
        if live != expected[1]:
            yield "monitoring_card.sha256", name, f"sha256 {expected[1]}", f"marks hash to {live}"
        elif stored != expected[1]:
            yield "monitoring_card.stored_sha256", name, expected[1], stored
    for pk in sorted(cards.keys() - seen):
        yield "monitoring_card.missing", f"monitoring card {pk}", "recorded on the ledger", "no row"
    seen = set()
    for pk, state, stored in Point.objects.order_by("pk").values_list("pk", "state", "cards_sha256"):
        seen.add(pk)
        name = f"monitoring point {pk}"
        expected = points.get(pk)
        if expected is None:
            yield "monitoring_point.unrecorded", name, "a ledger event", state
            continue
        if state != expected[2]:
            yield "monitoring_point.state", name, expected[2], state
        if state == Point.State.LOCKED:
            live = cards_sha256(point=pk, cards=by_point.get(pk, []))
            if live != expected[3] or stored != expected[3]:
                yield "monitoring_point.cards_sha256", name, str(expected[3]), live
    for pk in sorted(points.keys() - seen):
        yield "monitoring_point.missing", f"monitoring point {pk}", "recorded on the ledger", "no row"
    live_dates = {
        f"{locality}:{year}:{period}": [first.isoformat(), last.isoformat()]
        for locality, year, period, first, last in PointDates.objects.values_list(
            "locality_id", "school_year", "period", "first_day", "last_day"
        )
    }
    for key in sorted(live_dates.keys() | dates.keys()):
        want, have = dates.get(key), live_dates.get(key)
        if want != have:
            shown = "—" if want is None else " – ".join(want)
            yield (
                "monitoring_dates.changed",
                f"monitoring dates {key}",
                shown,
                "—" if have is None else " – ".join(have),
            )
