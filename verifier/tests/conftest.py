"""A small log writer for the verifier's tests (no Django): the public forms of a synthetic locality, written
as C2SP tlog-tiles, entry bundles, a signed checkpoint and the open-data lists, into a directory laid out
as `kezek_verify.source.DirectorySource` reads it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kezek_verify import note, tlog
from kezek_verify.checkpoint import Checkpoint
from kezek_verify.replay import LOCAL, Replay

ORIGIN = "verify.test/log"
SKEY, VKEY = note.generate_key(ORIGIN, seed=bytes(range(1, 33)))
OTHER_SKEY, OTHER_VKEY = note.generate_key(ORIGIN, seed=bytes(range(2, 34)))
LOCALITY = "testville"
START = dt.datetime(2026, 12, 7, 10, 0, tzinfo=LOCAL)
AS_OF = dt.datetime(2026, 12, 30, 12, 0, tzinfo=LOCAL)


def canonical(form: dict[str, Any]) -> bytes:
    return json.dumps(form, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Events:
    """Public forms of one locality, in order; every event an hour after the previous one."""

    def __init__(self) -> None:
        self.forms: list[dict[str, Any]] = []
        self.moment = START

    def add(self, kind: str, subject_type: str, subject_id: object, data: dict[str, Any]) -> dt.datetime:
        self.moment += dt.timedelta(hours=1)
        self.forms.append(
            {
                "v": 1,
                "seq": len(self.forms) + 1,
                "kind": kind,
                "occurred_at": utc(self.moment),
                "subject_type": subject_type,
                "subject_id": str(subject_id),
                "locality": LOCALITY,
                "data": data,
            }
        )
        return self.moment

    def app(self, kind: str, number: int, status: str, tier: str, **data: Any) -> None:
        self.add(kind, "application", number, {"number": number, "status": status, "tier": tier, **data})

    def register(self, number: int, tier: str, cohort: int) -> None:
        moment = self.moment + dt.timedelta(hours=1)
        self.app(
            "application.registered", number, "queued", tier, cohort=cohort, ordinal=number,
            registered_at=moment.isoformat(),
            valid_until=(moment.date() + dt.timedelta(days=365)).isoformat(),
        )  # fmt: skip

    def publish(
        self,
        number: int,
        places: list[int],
        holders: list[int],
        window: dt.timedelta,
        group: int = 1,
        **outcome: Any,
    ) -> None:
        """`outcome`: A5's `age_on` and `passed_over`, when the publication says them."""
        until = self.moment + dt.timedelta(hours=1) + window
        self.add(
            "places.published", "publication", number,
            {"group": group, "organisation": 1, "places": places, "cause": "capacity",
             "priority_until": until.isoformat(), "holders": holders, **outcome},
        )  # fmt: skip

    def issue(
        self, direction: int, application: int, place: int, publication: int, by: int, tier: str
    ) -> None:
        self.app("application.referred", application, "referred", tier, direction=direction)
        until = self.moment + dt.timedelta(days=7)
        self.add(
            "direction.issued", "direction", direction,
            {"group": 1, "organisation": 1, "application": application, "place": place,
             "publication": publication, "by_right_of": by, "state": "awaiting_enrollment",
             "valid_until": until.isoformat()},
        )  # fmt: skip

    def entries(self) -> list[bytes]:
        return [canonical(form) for form in self.forms]


def world() -> Events:
    """The synthetic locality: ratio 2, a wide group, ten applications in two cohorts, two publications,
    three directions (enrolled, declined, live past its deadline), a stop-listing, an extension, a staff
    child. Cohort 2022's queue at AS_OF is [3, 1, 2, 7, 6], cohort 2023's [10, 9]."""
    ev = Events()
    ev.add("queue_settings.changed", "locality", LOCALITY, {"priority_ratio": 2})
    ev.add(
        "group.created", "group", 1,
        {"organisation": 1, "name": "Күншуақ", "language": "kk", "kind": "general", "age_from": 1,
         "age_to": 7, "capacity": 3, "academic_year": 2026},
    )  # fmt: skip
    tiers = {1: "general", 2: "general", 3: "first_priority", 4: "general", 5: "extraordinary", 6: "general",
             7: "first_priority", 8: "general", 9: "general", 10: "first_priority"}  # fmt: skip
    for number, tier in tiers.items():
        ev.register(number, tier, 2022 if number <= 8 else 2023)
    # Across both cohorts: 5, 3, 1, 2, 7, 4, 6, 10, 8, 9 — the first two hold the two places.
    ev.publish(1, [101, 102], [5, 3], dt.timedelta(days=1))
    ev.issue(201, 5, 101, 1, 5, "extraordinary")
    ev.issue(202, 3, 102, 1, 3, "first_priority")
    ev.app("application.returned", 3, "queued", "first_priority", direction=202)
    ev.add("direction.declined", "direction", 202, {"group": 1, "organisation": 1})
    ev.add(
        "direction.enrolled", "direction", 201, {"group": 1, "organisation": 1, "enrolled_on": "2026-12-08"}
    )
    ev.app("application.enrolled", 5, "enrolled", "extraordinary", direction=201, enrollment=1)
    ev.app("application.stop_listed", 8, "stop_listed", "general", reason="manual", restore_on=None)
    ev.app("application.extended", 4, "queued", "general", valid_until="2028-12-07")
    ev.publish(2, [103], [], dt.timedelta(0))  # the window is over at once: general access
    ev.issue(203, 4, 103, 2, 4, "general")  # valid 7 days: expired by AS_OF
    ev.add("enrollment.staff_child", "enrollment", 2, {"group": 1, "organisation": 1, "place": 104})
    return ev


class LogDir:
    """A log written into a directory: `write` the tree, checkpoint, key and lists."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def write(
        self, entries: list[bytes], *, skey: str = SKEY, lists: bool = True, as_of: dt.datetime = AS_OF
    ) -> Checkpoint:
        hashes: dict[int, bytes] = {}
        reader = tlog.HashReaderFunc(lambda indexes: [hashes[i] for i in indexes])
        for n, entry in enumerate(entries):
            for offset, value in enumerate(tlog.stored_hashes(n, entry, reader)):
                hashes[tlog.stored_hash_index(0, n) + offset] = value
        size = len(entries)
        for tile in tlog.new_tiles(tlog.TILE_HEIGHT, 0, size):
            self.put(tlog.tile_path(tile), tlog.read_tile_data(tile, reader))
        for bundle in range(0, size, tlog.TILE_WIDTH):
            chunk = entries[bundle : bundle + tlog.TILE_WIDTH]
            tile = tlog.Tile(H=tlog.TILE_HEIGHT, L=-1, N=bundle // tlog.TILE_WIDTH, W=len(chunk))
            self.put(tlog.tile_path(tile), tlog.encode_entry_bundle(chunk))
        checkpoint = Checkpoint(origin=ORIGIN, size=size, root_hash=tlog.tree_hash(size, reader))
        self.put("checkpoint", note.sign(checkpoint.format(), note.new_signer(skey)))
        self.put("key", (VKEY + "\n").encode())
        if lists:
            self.write_lists(entries, as_of)
        return checkpoint

    def write_lists(self, entries: list[bytes], as_of: dt.datetime) -> None:
        """The open-data pages as the API pages them (two rows a page, to exercise the paging)."""
        replay = Replay()
        for index, entry in enumerate(entries):
            replay.apply_entry(index, entry)
        day = as_of.astimezone(LOCAL).date()
        cohorts = sorted(replay.cohorts(LOCALITY, day))
        sizes = [{"year": c, "size": len(replay.cohort_order(LOCALITY, c, day))} for c in cohorts]
        self.pages(f"{LOCALITY}/queue", sizes)
        for cohort in cohorts:
            rows = [
                {"position": i, "number": a.number, "tier": a.tier,
                 "registered_at": a.registered_at.isoformat(), "initials": "А.Б."}
                for i, a in enumerate(replay.cohort_order(LOCALITY, cohort, day), 1)
            ]  # fmt: skip
            self.pages(f"{LOCALITY}/queue/{cohort}", rows)
        directions: list[dict[str, Any]] = [
            {"kind": "direction", "number": d.number, "application": d.application,
             "state": replay.direction_state(d, as_of)}
            for d in sorted(replay.directions.values(), key=lambda d: -d.number)
        ]  # fmt: skip
        directions += [{"kind": "staff_child", "number": None, "application": None, "state": "enrolled"}] * (
            replay.staff_children.get(LOCALITY, 0)
        )
        self.pages(f"{LOCALITY}/directions", directions)
        self.put("open-data/as-of", as_of.isoformat().encode())

    def pages(self, path: str, items: list[dict[str, Any]], size: int = 2) -> None:
        chunks = [items[i : i + size] for i in range(0, len(items), size)] or [[]]
        for page, chunk in enumerate(chunks, 1):
            body = {"items": chunk, "count": len(items), "page": page, "page_size": size}
            self.put(f"open-data/{path}/page-{page}.json", json.dumps(body, ensure_ascii=False).encode())

    def put(self, relative: str, data: bytes) -> None:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def get(self, relative: str) -> bytes:
        return (self.root / relative).read_bytes()

    def remove(self, relative: str) -> None:
        (self.root / relative).unlink()

    def bundle_path(self, size: int) -> str:
        return tlog.tile_path(tlog.Tile(H=tlog.TILE_HEIGHT, L=-1, N=0, W=min(size, tlog.TILE_WIDTH)))


@pytest.fixture
def log_dir(tmp_path: Path) -> LogDir:
    return LogDir(tmp_path / "log")


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


@pytest.fixture
def verify(
    log_dir: LogDir, state: Path, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str]]:
    """Run `kezek-verify check` on the log directory: (exit code, output)."""
    from kezek_verify.cli import main

    def run(*extra: str, key: str = VKEY) -> tuple[int, str]:
        code = main(["check", "--log", str(log_dir.root), "--key", key, "--state", str(state), *extra])
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run


@pytest.fixture
def events() -> Events:
    return world()
