"""kezek-verify check/watch/proof on a synthetic log: a good log passes; every tampering fails with a clear
one-line reason (exit 1); bad arguments exit 2."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import LOCALITY, OTHER_SKEY, OTHER_VKEY, SKEY, VKEY, Events, LogDir, world

from kezek_verify import note, tlog
from kezek_verify.checkpoint import Checkpoint
from kezek_verify.cli import main
from kezek_verify.replay import Replay

Verify = Callable[..., tuple[int, str]]


def fails(result: tuple[int, str], *words: str) -> str:
    code, output = result
    assert code == 1, output
    line = output.strip().splitlines()[-1]
    assert line.startswith("kezek-verify: FAILED: "), output
    for word in words:
        assert word in line, line
    return line


# ------------------------------------------------------------------------------------------ the good log


def test_queue_order_by_the_rules(events: Events) -> None:
    """Q4 by hand: ratio 2 — P, G, G, P, …; a G never before a P registered before it."""
    replay = Replay()
    for index, entry in enumerate(events.entries()):
        replay.apply_entry(index, entry)
    day = dt.date(2026, 12, 30)
    assert [a.number for a in replay.cohort_order(LOCALITY, 2022, day)] == [3, 1, 2, 7, 6]
    assert [a.number for a in replay.cohort_order(LOCALITY, 2023, day)] == [10, 9]


def test_good_log_passes_and_keeps_the_checkpoint(
    log_dir: LogDir, events: Events, verify: Verify, state: Path
) -> None:
    checkpoint = log_dir.write(events.entries())
    code, output = verify()
    assert code == 0, output
    assert f"checkpoint of size {checkpoint.size}" in output
    assert "10 applications, 2 publications, 3 directions" in output
    assert "lists: 2 cohorts (7 rows) and 3 directions match the log" in output
    assert "cannot check: eligibility by age is private" in output
    assert (state / "checkpoint").read_bytes() == log_dir.get("checkpoint")
    # Grown: consistent with the kept one.
    events.app("application.withdrawn", 9, "withdrawn", "general", by="applicant")
    log_dir.write(events.entries())
    code, output = verify()
    assert code == 0, output
    assert f"consistent with the kept checkpoint of size {checkpoint.size}" in output


def test_key_from_a_file(log_dir: LogDir, events: Events, verify: Verify, tmp_path: Path) -> None:
    log_dir.write(events.entries())
    key_file = tmp_path / "vkey"
    key_file.write_text(VKEY + "\n")
    assert verify(key=str(key_file))[0] == 0


def test_skip_lists(log_dir: LogDir, events: Events, verify: Verify) -> None:
    log_dir.write(events.entries(), lists=False)
    code, output = verify("--skip-lists")
    assert code == 0, output
    assert "not compared (--skip-lists)" in output


def test_entries_across_bundles(log_dir: LogDir, events: Events, verify: Verify) -> None:
    """More than one entry bundle and hash tiles of two levels."""
    for i in range(600):
        events.add("queue_settings.changed", "locality", LOCALITY, {"priority_ratio": 2 + i % 2 * 0})
    checkpoint = log_dir.write(events.entries())
    assert checkpoint.size > 512
    code, output = verify()
    assert code == 0, output


# ------------------------------------------------------------------------------------- a tampered tree


def edit_bundle(log_dir: LogDir, size: int, change: Callable[[list[bytes]], list[bytes]]) -> None:
    path = log_dir.bundle_path(size)
    entries = tlog.decode_entry_bundle(log_dir.get(path))
    log_dir.put(path, tlog.encode_entry_bundle(change(entries)))


def test_edited_entry(log_dir: LogDir, events: Events, verify: Verify) -> None:
    entries = events.entries()
    log_dir.write(entries)

    def edit(found: list[bytes]) -> list[bytes]:
        found[3] = found[3].replace(b'"general"', b'"first_priority"')
        return found

    edit_bundle(log_dir, len(entries), edit)
    fails(verify(), "entry 3 is not the leaf the signed tree of size", "edited")


def test_reordered_pair_in_the_bundle(log_dir: LogDir, events: Events, verify: Verify) -> None:
    entries = events.entries()
    log_dir.write(entries)

    def swap(found: list[bytes]) -> list[bytes]:
        found[5], found[6] = found[6], found[5]
        return found

    edit_bundle(log_dir, len(entries), swap)
    fails(verify(), "entry 5 is not the leaf")


def test_reordered_pair_signed_again(log_dir: LogDir, events: Events, verify: Verify) -> None:
    """A server that signs a reordered log: the tree checks out, the order of the ledger does not."""
    entries = events.entries()
    entries[5], entries[6] = entries[6], entries[5]
    log_dir.write(entries, lists=False)
    fails(verify("--skip-lists"), "entry 5: holds ledger event seq 7, expected 6")


def test_removed_entry_signed_again(log_dir: LogDir, events: Events, verify: Verify) -> None:
    entries = events.entries()
    del entries[3]
    log_dir.write(entries, lists=False)
    fails(verify("--skip-lists"), "entry 3: holds ledger event seq 5, expected 4")


def test_removed_entry_from_the_bundle(log_dir: LogDir, events: Events, verify: Verify) -> None:
    entries = events.entries()
    log_dir.write(entries)
    path = log_dir.bundle_path(len(entries))
    bundle = tlog.decode_entry_bundle(log_dir.get(path))
    del bundle[3]
    log_dir.put(path, tlog.encode_entry_bundle(bundle))
    fails(verify(), f"has {len(entries) - 1} entries, want {len(entries)}")


def test_truncated_tail(log_dir: LogDir, events: Events, verify: Verify) -> None:
    """The checkpoint promises more entries than the bundles hold."""
    entries = events.entries()
    log_dir.write(entries)
    log_dir.put(log_dir.bundle_path(len(entries)), log_dir.get(log_dir.bundle_path(len(entries)))[:-20])
    fails(verify(), "entry bundle tile/entries/000.p/", "truncated")


def test_missing_bundle(log_dir: LogDir, events: Events, verify: Verify) -> None:
    entries = events.entries()
    log_dir.write(entries)
    log_dir.remove(log_dir.bundle_path(len(entries)))
    fails(verify(), "is missing")


def test_rewritten_history_with_a_consistent_new_chain(
    log_dir: LogDir, events: Events, verify: Verify
) -> None:
    """The kept checkpoint (size n) and a new, well-formed, signed log whose first n entries differ."""
    old = log_dir.write(events.entries())
    assert verify()[0] == 0
    events.forms[3]["data"]["tier"] = "first_priority"  # application 2's tier, rewritten
    events.app("application.withdrawn", 9, "withdrawn", "general", by="applicant")
    new = log_dir.write(events.entries(), lists=False)  # (its replay would find a skipped holder too)
    line = fails(verify(), "inconsistent", f"size {new.size}", f"size {old.size}", "rewritten history")
    assert str(old.size) in line


def test_rollback(log_dir: LogDir, events: Events, verify: Verify) -> None:
    log_dir.write(events.entries())
    assert verify()[0] == 0
    log_dir.write(events.entries()[:-3])
    fails(verify(), "rollback", str(len(events.forms) - 3), str(len(events.forms)))


def test_fork_at_the_same_size(log_dir: LogDir, events: Events, verify: Verify) -> None:
    log_dir.write(events.entries())
    assert verify()[0] == 0
    events.forms[-1]["data"]["place"] = 999
    log_dir.write(events.entries())
    fails(verify(), "fork", f"size {len(events.forms)}")


def test_state_is_kept_only_when_consistent(
    log_dir: LogDir, events: Events, verify: Verify, state: Path
) -> None:
    log_dir.write(events.entries())
    assert verify()[0] == 0
    kept = (state / "checkpoint").read_bytes()
    log_dir.write(events.entries()[:-1])
    fails(verify(), "rollback")
    assert (state / "checkpoint").read_bytes() == kept


# ----------------------------------------------------------------------------------- the rules (P2, P4)


def test_direction_to_a_non_holder_inside_the_window(log_dir: LogDir, verify: Verify) -> None:
    ev = world()
    ev.publish(3, [105], [1], dt.timedelta(days=1))
    ev.issue(204, 2, 105, 3, 2, "general")
    log_dir.write(ev.entries(), lists=False)
    fails(
        verify("--skip-lists"), "direction 204", "inside the priority window of publication 3", "not a holder"
    )


def test_skipped_holder(log_dir: LogDir, verify: Verify) -> None:
    """Publication 3 names application 2 while 1 (same cohort, tier, registered earlier) is queued."""
    ev = world()
    ev.publish(3, [105], [2], dt.timedelta(days=1))
    log_dir.write(ev.entries(), lists=False)
    fails(verify("--skip-lists"), "skipped holder", "application 1", "holder 2")


def test_fewer_holders_than_places_skip_nobody(log_dir: LogDir, verify: Verify) -> None:
    ev = world()
    ev.publish(3, [105, 106, 107, 108, 109, 110, 111], [3, 1, 2, 7, 6, 10], dt.timedelta(days=1))
    log_dir.write(ev.entries(), lists=False)
    fails(verify("--skip-lists"), "skipped holder", "application 9")


def narrow_world(age_from: int, age_to: int) -> Events:
    """`world()` and a second general group for ages [age_from, age_to). On 7 December 2026 cohort 2022 is
    3–4 years old, cohort 2023 2–3; its queued are 1, 2, 3, 6, 7 (3 and 7 first-priority) and 9, 10."""
    ev = world()
    ev.add(
        "group.created", "group", 2,
        {"organisation": 1, "name": "Балапан", "language": "ru", "kind": "general", "age_from": age_from,
         "age_to": age_to, "capacity": 1, "academic_year": 2026},
    )  # fmt: skip
    return ev


def test_the_line_is_rederived_with_who_was_passed_over(log_dir: LogDir, verify: Verify) -> None:
    """A5: for ages 4 only, application 3 (born in 2022, maybe still 3) is passed over: the line starts
    with the next first-priority application, 7 (Q4)."""
    ev = narrow_world(4, 5)
    ev.publish(3, [105], [7], dt.timedelta(days=1), group=2, age_on="2026-12-08", passed_over=[3])
    log_dir.write(ev.entries(), lists=False)
    code, output = verify("--skip-lists")
    assert code == 0, output
    assert "1 publications' lines re-derived" in output


def test_a_holder_skipped_without_a_word(log_dir: LogDir, verify: Verify) -> None:
    ev = narrow_world(4, 5)
    ev.publish(3, [105], [7], dt.timedelta(days=1), group=2, age_on="2026-12-08", passed_over=[])
    log_dir.write(ev.entries(), lists=False)
    fails(verify("--skip-lists"), "skipped holder", "application 3", "number 1 in line", "7 is named")


def test_passed_over_although_the_whole_cohort_fits(log_dir: LogDir, verify: Verify) -> None:
    """For ages 3–4 every child born in 2022 fits: passing application 3 over for its age is a lie."""
    ev = narrow_world(3, 5)
    ev.publish(3, [105], [1], dt.timedelta(days=1), group=2, age_on="2026-12-08", passed_over=[3])
    log_dir.write(ev.entries(), lists=False)
    fails(verify("--skip-lists"), "application 3 is passed over", "every child born in 2022")


def test_passed_over_but_not_in_line(log_dir: LogDir, verify: Verify) -> None:
    """Application 9 (born in 2023, at most 3) was never in line for ages 4 only."""
    ev = narrow_world(4, 5)
    ev.publish(3, [105], [7], dt.timedelta(days=1), group=2, age_on="2026-12-08", passed_over=[3, 9])
    log_dir.write(ev.entries(), lists=False)
    fails(verify("--skip-lists"), "application 9 is passed over", "not in line")


def test_malformed_passed_over(log_dir: LogDir, verify: Verify) -> None:
    ev = narrow_world(4, 5)
    ev.publish(3, [105], [1], dt.timedelta(days=1), group=2, age_on="2026-12-08", passed_over="3")
    log_dir.write(ev.entries(), lists=False)
    fails(verify("--skip-lists"), "malformed passed_over")


def test_holders_out_of_order(log_dir: LogDir, verify: Verify) -> None:
    ev = world()
    ev.publish(3, [105, 106], [2, 1], dt.timedelta(days=1))
    log_dir.write(ev.entries(), lists=False)
    fails(verify("--skip-lists"), "holders not in queue order")


def test_holder_not_queued(log_dir: LogDir, verify: Verify) -> None:
    ev = world()
    ev.publish(3, [105], [8], dt.timedelta(days=1))  # stop-listed
    log_dir.write(ev.entries(), lists=False)
    fails(verify("--skip-lists"), "holder 8 was not queued")


def test_extra_direction_with_no_publication(log_dir: LogDir, verify: Verify) -> None:
    ev = world()
    ev.issue(204, 1, 999, 1, 1, "general")
    log_dir.write(ev.entries(), lists=False)
    fails(verify("--skip-lists"), "extra direction with no publication", "place 999")


def test_second_live_direction(log_dir: LogDir, verify: Verify) -> None:
    ev = world()
    ev.publish(3, [105, 106], [3, 1], dt.timedelta(0))
    ev.issue(204, 1, 105, 3, 1, "general")
    ev.add(
        "direction.issued", "direction", 205,
        {"group": 1, "organisation": 1, "application": 1, "place": 106, "publication": 3, "by_right_of": 1,
         "state": "awaiting_enrollment", "valid_until": "2027-01-30T18:00:00+05:00"},
    )  # fmt: skip
    log_dir.write(ev.entries(), lists=False)
    fails(verify("--skip-lists"), "second live direction of application 1")


def test_duplicated_creation(log_dir: LogDir, verify: Verify) -> None:
    ev = world()
    ev.forms.append({**ev.forms[3], "seq": len(ev.forms) + 1})
    log_dir.write(ev.entries(), lists=False)
    fails(verify("--skip-lists"), "registered again", "duplicated creation event")


def test_extension_that_does_not_extend(log_dir: LogDir, verify: Verify) -> None:
    ev = world()
    ev.app("application.extended", 6, "queued", "general", valid_until="2027-01-01")
    log_dir.write(ev.entries(), lists=False)
    fails(verify("--skip-lists"), "application 6: an extension that does not extend")


# ---------------------------------------------------------------------------------------- the lists


def test_list_with_a_wrong_order(log_dir: LogDir, events: Events, verify: Verify) -> None:
    log_dir.write(events.entries())
    page = json.loads(log_dir.get(f"open-data/{LOCALITY}/queue/2022/page-1.json"))
    page["items"][0]["number"], page["items"][1]["number"] = (
        page["items"][1]["number"],
        page["items"][0]["number"],
    )
    log_dir.put(f"open-data/{LOCALITY}/queue/2022/page-1.json", json.dumps(page).encode())
    fails(verify(), f"{LOCALITY}, cohort 2022, position 1: expected application 3, found 1")


def test_list_missing_its_last_row(log_dir: LogDir, events: Events, verify: Verify) -> None:
    log_dir.write(events.entries())
    page = json.loads(log_dir.get(f"open-data/{LOCALITY}/queue/2022/page-3.json"))
    page["items"] = []
    page["count"] = 4
    for n in (1, 2):
        other = json.loads(log_dir.get(f"open-data/{LOCALITY}/queue/2022/page-{n}.json"))
        other["count"] = 4
        log_dir.put(f"open-data/{LOCALITY}/queue/2022/page-{n}.json", json.dumps(other).encode())
    log_dir.put(f"open-data/{LOCALITY}/queue/2022/page-3.json", json.dumps(page).encode())
    fails(verify(), "cohort 2022, position 5: expected application 6, found the end of the list")


def test_direction_state_in_the_protocol(log_dir: LogDir, events: Events, verify: Verify) -> None:
    log_dir.write(events.entries())
    page = json.loads(log_dir.get(f"open-data/{LOCALITY}/directions/page-1.json"))
    assert page["items"][0] == {"kind": "direction", "number": 203, "application": 4, "state": "expired"}
    page["items"][0]["state"] = "awaiting_enrollment"
    log_dir.put(f"open-data/{LOCALITY}/directions/page-1.json", json.dumps(page).encode())
    fails(verify(), "direction 203 expected state expired, found 'awaiting_enrollment'")


@pytest.mark.parametrize(
    "garbage",
    [b"", b"not json", b"[]", b'{"items": 3, "count": 1}', b'{"items": [], "count": "x"}', b"\xff\xfe"],
)
def test_garbage_lists(log_dir: LogDir, events: Events, verify: Verify, garbage: bytes) -> None:
    log_dir.write(events.entries())
    log_dir.put(f"open-data/{LOCALITY}/queue/2023/page-1.json", garbage)
    fails(verify(), f"open-data list {LOCALITY}/queue/2023 page 1")


def test_garbage_row(log_dir: LogDir, events: Events, verify: Verify) -> None:
    log_dir.write(events.entries())
    body = {"items": [{"position": "1", "number": 10}], "count": 1}
    log_dir.put(f"open-data/{LOCALITY}/queue/2023/page-1.json", json.dumps(body).encode())
    fails(verify(), "malformed position")


def test_missing_list(log_dir: LogDir, events: Events, verify: Verify) -> None:
    log_dir.write(events.entries())
    log_dir.remove(f"open-data/{LOCALITY}/directions/page-1.json")
    fails(verify(), f"open-data list {LOCALITY}/directions", "is missing")


# ------------------------------------------------------------------------------ keys, checkpoints, tiles


def test_wrong_key(log_dir: LogDir, events: Events, verify: Verify) -> None:
    log_dir.write(events.entries(), skey=OTHER_SKEY)
    fails(verify(), "the log's checkpoint: not signed by the key verify.test/log+")


def test_key_of_another_name(log_dir: LogDir, events: Events, verify: Verify) -> None:
    _skey, vkey = note.generate_key("elsewhere.test/log", seed=bytes(32))
    log_dir.write(events.entries())
    fails(verify(key=vkey), "not signed by the key elsewhere.test/log")


def test_malformed_key_is_a_usage_error(log_dir: LogDir, events: Events, verify: Verify) -> None:
    log_dir.write(events.entries())
    code, output = verify(key="verify.test/log+00000000+AAAA")
    assert code == 2, output
    assert "usage error" in output


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"garbage",
        b"verify.test/log\n12\n\n\xe2\x80\x94 verify.test/log AAAA\n",
    ],
)
def test_malformed_checkpoint(log_dir: LogDir, events: Events, verify: Verify, body: bytes) -> None:
    log_dir.write(events.entries())
    log_dir.put("checkpoint", body)
    fails(verify(), "the log's checkpoint", "malformed")


def test_signed_but_not_a_checkpoint(log_dir: LogDir, events: Events, verify: Verify) -> None:
    log_dir.write(events.entries())
    log_dir.put("checkpoint", note.sign("verify.test/log\nnot a size\nxx\n", note.new_signer(SKEY)))
    fails(verify(), "the log's checkpoint: malformed checkpoint: tree size")


def test_malformed_tile(log_dir: LogDir, events: Events, verify: Verify) -> None:
    entries = events.entries()
    log_dir.write(entries)
    path = tlog.tile_path(tlog.Tile(H=8, L=0, N=0, W=len(entries)))
    data = bytearray(log_dir.get(path))
    data[40] ^= 1
    log_dir.put(path, bytes(data))
    fails(verify(), "the hash tiles do not match the signed root", "inconsistent tile")


def test_short_tile(log_dir: LogDir, events: Events, verify: Verify) -> None:
    entries = events.entries()
    log_dir.write(entries)
    path = tlog.tile_path(tlog.Tile(H=8, L=0, N=0, W=len(entries)))
    log_dir.put(path, log_dir.get(path)[:-5])
    fails(verify(), "hash tiles", "bad result slice")


def test_not_a_source_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--log", str(tmp_path / "nowhere"), "--key", VKEY, "--state", str(tmp_path / "s")])
    assert code == 2
    assert "neither an http(s) URL nor a directory" in capsys.readouterr().err


def test_unknown_command_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2


# ------------------------------------------------------------------------------------------------ watch


def test_watch_once(log_dir: LogDir, events: Events, state: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["watch", "--log", str(log_dir.root), "--key", VKEY, "--state", str(state), "--once"]
    log_dir.write(events.entries())
    assert main(args) == 0
    events.app("application.withdrawn", 9, "withdrawn", "general", by="applicant")
    log_dir.write(events.entries())
    assert main(args) == 0
    assert f"(kept {len(events.forms) - 1}: consistent)" in capsys.readouterr().out
    events.forms[1]["data"]["capacity"] = 30
    events.app("application.withdrawn", 10, "withdrawn", "first_priority", by="applicant")
    log_dir.write(events.entries())
    assert main(args) == 1
    assert "inconsistent" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------------ proof


def proof_document(
    log_dir: LogDir, events: Events, number: int, born: str = "2022-03-04", groups: tuple[int, ...] = ()
) -> dict[str, object]:
    """What the server gives a family: the checkpoint, the entries of its application with inclusion
    proofs (and of `groups`, for a publication that passed it over), and a commitment to the child's birth
    date (the registration carries it, as the server's does)."""
    salt = bytes(range(16))
    commitment = hashlib.sha256(born.encode() + salt).hexdigest()
    for form in events.forms:
        if form["kind"] == "application.registered" and form["subject_id"] == str(number):
            form["data"]["birth_commitment"] = commitment
    entries = events.entries()
    checkpoint = log_dir.write(entries, lists=False)
    hashes: dict[int, bytes] = {}
    reader = tlog.HashReaderFunc(lambda indexes: [hashes[i] for i in indexes])
    for n, entry in enumerate(entries):
        for offset, value in enumerate(tlog.stored_hashes(n, entry, reader)):
            hashes[tlog.stored_hash_index(0, n) + offset] = value
    mine = [
        i for i, form in enumerate(events.forms)
        if (form["subject_id"] == str(number) and form["subject_type"] == "application")
        or form["data"].get("application") == number
        or number in form["data"].get("passed_over", ())
        or (form["subject_type"] == "group" and int(form["subject_id"]) in groups)
    ]  # fmt: skip
    return {
        "format": "kezek-proof/1",
        "origin": checkpoint.origin,
        "key": VKEY,
        "checkpoint": log_dir.get("checkpoint").decode(),
        "application": number,
        "entries": [
            {
                "index": i,
                "entry": entries[i].decode(),
                "proof": [tlog.format_hash(h) for h in tlog.prove_record(checkpoint.size, i, reader)],
            }
            for i in mine
        ],
        "commitments": [
            {
                "name": "child_birth_date",
                "value": born,
                "salt": base64.b64encode(salt).decode(),
                "commitment": commitment,
            }
        ],
    }


def run_proof(tmp_path: Path, document: object, *extra: str) -> int:
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(document, ensure_ascii=False))
    return main(["proof", str(path), *extra])


def test_proof_good(
    log_dir: LogDir, events: Events, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = proof_document(log_dir, events, 5)
    assert run_proof(tmp_path, document, "--key", VKEY) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK application 5: checkpoint verify.test/log of size")
    assert "included: entry" in out
    assert "direction.issued" in out
    assert "opens: child_birth_date = 2022-03-04" in out


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (lambda d: d["entries"][0].update(entry=d["entries"][0]["entry"].replace("queued", "enrolled")),
         "is not included in the signed tree"),
        (lambda d: d["entries"][0].update(index=d["entries"][0]["index"] + 1), "is not included"),
        (lambda d: d.update(application=6), "does not concern application 6"),
        (lambda d: d["commitments"][0].update(value="2022-03-05"),
         "commitment child_birth_date does not open"),
        (lambda d: d.update(checkpoint="garbage"), "the checkpoint: malformed signed note"),
        (lambda d: d.update(key=OTHER_VKEY), "the checkpoint: not signed by the key"),
        (lambda d: d.update(format="kezek-proof/2"), "not a kezek-proof/1 document"),
        (lambda d: d["entries"][0].update(proof=["!!"]), "not base64"),
        (lambda d: d.update(entries=[]), "no entries"),
    ],
)  # fmt: skip
def test_proof_bad(
    log_dir: LogDir,
    events: Events,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    tamper: Callable[[dict[str, object]], object],
    reason: str,
) -> None:
    document = proof_document(log_dir, events, 5)
    tamper(document)
    assert run_proof(tmp_path, document) == 1
    assert reason in capsys.readouterr().err


def test_proof_pinned_to_another_key(
    log_dir: LogDir, events: Events, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = proof_document(log_dir, events, 5)
    assert run_proof(tmp_path, document, "--key", OTHER_VKEY) == 1
    assert "not the one given by --key" in capsys.readouterr().err


def test_proof_not_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "p.json").write_bytes(b"\x00garbage")
    assert main(["proof", str(tmp_path / "p.json")]) == 1
    assert "not JSON" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ subprocess


def test_console_script_runs(log_dir: LogDir, events: Events, state: Path) -> None:
    log_dir.write(events.entries())
    script = Path(sys.executable).parent / "kezek-verify"  # the console script of verifier/pyproject.toml
    launcher = [str(script)] if script.exists() else [sys.executable, "-m", "kezek_verify.cli"]
    command = [*launcher, "check", "--log", str(log_dir.root), "--key", VKEY]
    done = subprocess.run([*command, "--state", str(state)], capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK verify.test/log: checkpoint of size")
    events.forms[3]["data"]["tier"] = "extraordinary"
    log_dir.write(events.entries(), lists=False)
    done = subprocess.run([*command, "--state", str(state)], capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode == 1
    assert done.stderr.startswith("kezek-verify: FAILED: fork: two checkpoints of size")
    assert Checkpoint.parse(note.open((state / "checkpoint").read_bytes(), [note.new_verifier(VKEY)]).text)


@pytest.mark.parametrize(
    ("born", "verdict"),
    [
        ("2022-12-20", "rightly passed over: publication 3, group 2 admits ages 4–4 on 2026-12-08"),
        (
            "2022-03-04",
            "passed application 3 over for its age, but a child born on 2022-03-04 is of the ages",
        ),
    ],
)
def test_proof_checks_a_passing_over_against_the_birth_date(
    log_dir: LogDir, tmp_path: Path, capsys: pytest.CaptureFixture[str], born: str, verdict: str
) -> None:
    """A5 for the family: 3 was passed over for group 2 (ages 4 only) on 8 December 2026 — right for a
    child born on 20 December 2022 (3 then), wrong for one born on 4 March 2022 (4)."""
    ev = narrow_world(4, 5)
    ev.publish(3, [105], [7], dt.timedelta(days=1), group=2, age_on="2026-12-08", passed_over=[3])
    document = proof_document(log_dir, ev, 3, born=born, groups=(2,))
    code = run_proof(tmp_path, document)
    captured = capsys.readouterr()
    assert code == (0 if born == "2022-12-20" else 1), captured
    assert verdict in captured.out + captured.err


def test_proof_with_an_unrelated_group(
    log_dir: LogDir, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ev = narrow_world(4, 5)
    document = proof_document(log_dir, ev, 3, groups=(2,))
    assert run_proof(tmp_path, document) == 1
    assert "entries of group 2 do not concern application 3" in capsys.readouterr().err
