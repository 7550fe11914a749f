"""kezek-verify: check Kezek's transparency log from outside (docs/transparency.md, "Verifying").

    kezek-verify check --log URL_OR_DIR --key VKEY_OR_FILE --state DIR [--skip-lists]
    kezek-verify proof FILE [--key VKEY_OR_FILE]
    kezek-verify watch --log URL_OR_DIR --key VKEY_OR_FILE --state DIR [--interval S] [--once]

Exit 0 when everything checked out, 1 with a one-line reason on the first failure, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from kezek_verify import note, tlog
from kezek_verify.checkpoint import Checkpoint, MalformedCheckpointError
from kezek_verify.errors import VerificationFailed
from kezek_verify.replay import LIMITS, ListReport, Replay, compare_cohorts, compare_directions, compare_queue
from kezek_verify.source import Source, open_source

PROOF_FORMAT = "kezek-proof/1"
BIRTH_DATE = "child_birth_date"  # the commitment a publication's passing over for age is checked against
INDICATION = "medical_indication"  # a medical indication's: "application N, valid FROM..TO"
STATE_FILE = "checkpoint"


class UsageError(Exception):
    """Bad arguments: exit 2."""


# ------------------------------------------------------------------------------------- checkpoints


def load_verifier(key: str) -> note.Ed25519Verifier:
    """The verifier key given as text or as a file holding it."""
    text = key.strip()
    path = Path(key)
    if "+" not in text or path.is_file():
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(
                f"--key {key!r}: neither a verifier key nor a readable file ({exc.strerror})"
            ) from None
    try:
        return note.new_verifier(text)
    except note.NoteError as exc:
        raise UsageError(f"--key: malformed verifier key: {exc}") from None


def open_checkpoint(body: bytes, verifier: note.Ed25519Verifier, what: str) -> Checkpoint:
    """A signed checkpoint, its signature by `verifier` checked."""
    try:
        opened = note.open(body, [verifier])
    except note.MalformedNoteError:
        raise VerificationFailed(f"{what}: malformed signed note") from None
    except note.UnverifiedNoteError:
        raise VerificationFailed(
            f"{what}: not signed by the key {verifier.name}+{verifier.key_hash:08x}"
        ) from None
    except note.InvalidSignatureError:
        raise VerificationFailed(f"{what}: the signature by {verifier.name} does not verify") from None
    except note.NoteError as exc:
        raise VerificationFailed(f"{what}: {exc}") from None
    try:
        return Checkpoint.parse(opened.text)
    except MalformedCheckpointError as exc:
        raise VerificationFailed(f"{what}: {exc}") from None


@dataclass
class Kept:
    """The state directory: the latest verified checkpoint, as its signed note text."""

    directory: Path

    @property
    def path(self) -> Path:
        return self.directory / STATE_FILE

    def load(self, verifier: note.Ed25519Verifier) -> Checkpoint | None:
        if not self.path.is_file():
            return None
        return open_checkpoint(self.path.read_bytes(), verifier, f"the kept checkpoint {self.path}")

    def save(self, body: bytes) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_suffix(".new")
            temporary.write_bytes(body)
            temporary.replace(self.path)
        except OSError as exc:
            raise UsageError(f"--state {self.directory}: cannot write ({exc.strerror})") from None


def source_at(location: str) -> Source:
    try:
        return open_source(location)
    except VerificationFailed as exc:
        raise UsageError(f"--log: {exc}") from None


def check_consistency(source: Source, old: Checkpoint, new: Checkpoint) -> None:
    """The new tree extends the old one (RFC 9162 consistency, proven from the tiles of the new tree)."""
    if old.origin != new.origin:
        raise VerificationFailed(
            f"the checkpoint's origin {new.origin!r} is not the kept one's {old.origin!r}"
        )
    if new.size < old.size:
        raise VerificationFailed(
            f"rollback: the log's checkpoint has size {new.size}, "
            f"smaller than the kept checkpoint's {old.size}"
        )
    if new.size == old.size:
        if new.root_hash != old.root_hash:
            raise VerificationFailed(
                f"fork: two checkpoints of size {new.size} with different roots (kept and new)"
            )
        return
    if old.size == 0:
        return
    reader = tlog.TileHashReader(new.size, new.root_hash, source.read_tiles)
    try:
        proof = tlog.prove_tree(new.size, old.size, reader)
        tlog.check_tree(proof, new.size, new.root_hash, old.size, old.root_hash)
    except tlog.ProofError:
        raise VerificationFailed(
            f"inconsistent: the tree of size {new.size} does not extend the kept checkpoint "
            f"of size {old.size} (a fork or a rewritten history)"
        ) from None
    except tlog.TlogError as exc:
        raise VerificationFailed(
            f"inconsistent: cannot prove the tree of size {new.size} extends the kept size {old.size}: {exc}"
        ) from None


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 9162 §2.1.1 Merkle Tree Hash of the leaf hashes (a stack of complete subtrees)."""
    stack: list[tuple[bytes, int]] = []
    for leaf in leaves:
        node, width = leaf, 1
        while stack and stack[-1][1] == width:
            left, _ = stack.pop()
            node, width = tlog.node_hash(left, node), width * 2
        stack.append((node, width))
    if not stack:
        return tlog.EMPTY_HASH
    root = stack[-1][0]
    for left, _ in reversed(stack[:-1]):
        root = tlog.node_hash(left, root)
    return root


def fetch_entries(source: Source, checkpoint: Checkpoint) -> list[bytes]:
    """Every entry of the signed tree, each proven included: its leaf hash equals the one the signed
    tree's tiles hold (TileHashReader), and all of them recompute the signed root."""
    size = checkpoint.size
    reader = tlog.TileHashReader(size, checkpoint.root_hash, source.read_tiles)
    entries: list[bytes] = []
    width = tlog.TILE_WIDTH
    for bundle in range((size + width - 1) // width):
        count = min(width, size - bundle * width)
        got = source.entry_bundle(bundle, count)
        start = bundle * width
        try:
            signed = reader.read_hashes([tlog.stored_hash_index(0, start + i) for i in range(count)])
        except tlog.TlogError as exc:
            raise VerificationFailed(
                f"the hash tiles do not match the signed root (size {size}): {exc}"
            ) from None
        for i, (entry, leaf) in enumerate(zip(got, signed, strict=True)):
            if tlog.record_hash(entry) != leaf:
                raise VerificationFailed(
                    f"entry {start + i} is not the leaf the signed tree of size {size} holds "
                    "(an edited, removed, added or reordered entry)"
                )
        entries.extend(got)
    if merkle_root([tlog.record_hash(e) for e in entries]) != checkpoint.root_hash:
        raise VerificationFailed(f"the entries do not hash to the signed root of size {size}")
    return entries


# --------------------------------------------------------------------------------------- commands


def compare_lists(source: Source, replay: Replay) -> ListReport:
    report = ListReport()
    now = source.as_of()
    for locality in sorted(replay.localities()):
        cohorts = compare_cohorts(replay, locality, source.pages(f"{locality}/queue"), now)
        for cohort in cohorts:
            if replay.unswept(locality, cohort, now):
                report.skipped.append(f"{locality} {cohort}: a finished campaign is not swept yet (C6)")
                continue
            report.rows += compare_queue(
                replay, locality, cohort, source.pages(f"{locality}/queue/{cohort}"), now
            )
            report.cohorts += 1
        report.directions += compare_directions(replay, locality, source.pages(f"{locality}/directions"), now)
    return report


def command_check(args: argparse.Namespace) -> int:
    verifier = load_verifier(args.key)
    source = source_at(args.log)
    kept = Kept(Path(args.state))
    old = kept.load(verifier)
    body = source.checkpoint()
    checkpoint = open_checkpoint(body, verifier, "the log's checkpoint")
    if old is not None:
        check_consistency(source, old, checkpoint)
    entries = fetch_entries(source, checkpoint)
    kept.save(body)  # signed, consistent with what we kept, every entry included: the new witness
    replay = Replay()
    for index, entry in enumerate(entries):
        replay.apply_entry(index, entry)
    report = None if args.skip_lists else compare_lists(source, replay)
    lines = [
        f"OK {checkpoint.origin}: checkpoint of size {checkpoint.size} signed by {verifier.name}",
        f"consistent with the kept checkpoint of size {old.size}" if old else "no earlier checkpoint kept",
        f"entries: {len(entries)} included; replayed: {len(replay.applications)} applications, "
        f"{len(replay.publications)} publications, {len(replay.directions)} directions, "
        f"{replay.lines_checked} publications' lines re-derived, "
        f"{replay.holder_checks} other holders checked for skipped applications",
    ]
    if report is None:
        lines.append("lists: not compared (--skip-lists)")
    else:
        lines.append(
            f"lists: {report.cohorts} cohorts ({report.rows} rows) and {report.directions} directions "
            "match the log"
        )
        lines.extend(f"not compared: {skipped}" for skipped in report.skipped)
    lines.extend(f"cannot check: {limit}" for limit in LIMITS)
    print("\n".join(lines))
    return 0


def _b64(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise VerificationFailed(f"{what}: not base64 text")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise VerificationFailed(f"{what}: not base64") from None


class _Concerns:
    """Whether an entry is about application `number`, read in file (ledger) order: its subject, named in
    its data (number, application, by_right_of, holders, applications, passed_over), or a later event of
    a direction issued to it or of an enrolment an earlier entry named. A group's entries come along with
    a publication that passed the application over (A5); `unneeded_groups` names those that did not."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.directions: set[str] = set()
        self.enrollments: set[str] = set()
        self.claimed: set[str] = set()  # medical indications' commitments the family opens
        self.groups: set[str] = set()  # groups whose entries the file holds
        self.passing_groups: set[str] = set()  # groups of the publications that passed it over

    def unneeded_groups(self) -> set[str]:
        return self.groups - self.passing_groups

    def __call__(self, form: dict[str, Any]) -> bool:
        subject, subject_id = form.get("subject_type"), form.get("subject_id")
        data = form.get("data")
        data = data if isinstance(data, dict) else {}
        number = self.number
        if subject == "group" and form.get("kind") in ("group.created", "group.updated"):
            self.groups.add(str(subject_id))
            return True
        passed = isinstance(data.get("passed_over"), list) and number in data["passed_over"]
        if passed:
            self.passing_groups.add(str(data.get("group")))
        named = (
            passed
            or data.get("indication_commitment") in self.claimed
            or (subject == "application" and subject_id == str(number))
            or number in (data.get("number"), data.get("application"), data.get("by_right_of"))
            or any(isinstance(data.get(k), list) and number in data[k] for k in ("holders", "applications"))
        )
        if named and subject == "direction" and isinstance(subject_id, str):
            self.directions.add(subject_id)
        followed = (subject == "direction" and subject_id in self.directions) or (
            subject == "enrollment" and subject_id in self.enrollments
        )
        if (named or followed) and data.get("enrollment") is not None:
            self.enrollments.add(str(data["enrollment"]))
        if followed and subject == "enrollment" and isinstance(subject_id, str):
            self.enrollments.add(subject_id)
        return named or followed


def _years_before(day: dt.date, years: int) -> dt.date:
    """The same day `years` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def _passed_over_checked(path: Path, number: int, forms: list[dict[str, Any]], born: str | None) -> list[str]:
    """A5 for one family: each publication that passed the application over for its age did so rightly —
    the child born on `born` was not of the group's ages ([age_from, age_to) full years) on `age_on`."""
    ranges: dict[str, tuple[int, int]] = {}
    lines = []
    for form in forms:
        data = form.get("data")
        data = data if isinstance(data, dict) else {}
        if form.get("kind") in ("group.created", "group.updated"):
            changed = data if form.get("kind") == "group.created" else data.get("changed")
            changed = changed if isinstance(changed, dict) else {}
            low, high = ranges.get(str(form.get("subject_id")), (None, None))
            low, high = changed.get("age_from", low), changed.get("age_to", high)
            if type(low) is int and type(high) is int:
                ranges[str(form.get("subject_id"))] = (low, high)
            continue
        if not (isinstance(data.get("passed_over"), list) and number in data["passed_over"]):
            continue
        publication, group = form.get("subject_id"), str(data.get("group"))
        if born is None:
            lines.append(
                f"cannot check: publication {publication} passed it over for its age (no birth date opened)"
            )
            continue
        if group not in ranges:
            raise VerificationFailed(
                f"{path}: publication {publication} passed it over, but group {group}'s entries are missing"
            )
        try:
            birth, age_on = dt.date.fromisoformat(born), dt.date.fromisoformat(str(data.get("age_on")))
        except ValueError:
            raise VerificationFailed(
                f"{path}: publication {publication}: malformed age_on or birth date"
            ) from None
        low, high = ranges[group]
        if _years_before(age_on, high) < birth <= _years_before(age_on, low):
            raise VerificationFailed(
                f"{path}: publication {publication} passed application {number} over for its age, but a "
                f"child born on {birth} is of the ages group {group} admits ({low}–{high - 1}) on {age_on}"
            )
        lines.append(
            f"rightly passed over: publication {publication}, group {group} admits ages "
            f"{low}–{high - 1} on {age_on}"
        )
    return lines


def command_proof(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    except (UnicodeDecodeError, ValueError):
        raise VerificationFailed(f"{path}: not JSON") from None
    if not isinstance(document, dict) or document.get("format") != PROOF_FORMAT:
        raise VerificationFailed(f"{path}: not a {PROOF_FORMAT} document")
    vkey = document.get("key")
    if not isinstance(vkey, str):
        raise VerificationFailed(f"{path}: no verifier key")
    try:
        verifier = note.new_verifier(vkey)
    except note.NoteError as exc:
        raise VerificationFailed(f"{path}: malformed verifier key: {exc}") from None
    if args.key:
        pinned = load_verifier(args.key)
        if (pinned.name, pinned.key_hash, pinned.public_key) != (
            verifier.name,
            verifier.key_hash,
            verifier.public_key,
        ):
            raise VerificationFailed(f"{path}: signed with key {verifier.name}, not the one given by --key")
    body = document.get("checkpoint")
    if not isinstance(body, str):
        raise VerificationFailed(f"{path}: no checkpoint")
    checkpoint = open_checkpoint(body.encode(), verifier, f"{path}: the checkpoint")
    if document.get("origin") != checkpoint.origin:
        raise VerificationFailed(f"{path}: origin {document.get('origin')!r} is not the checkpoint's")
    number = document.get("application")
    if type(number) is not int:
        raise VerificationFailed(f"{path}: malformed application number {number!r}")
    entries, commitments = document.get("entries"), document.get("commitments", [])
    if not isinstance(entries, list) or not entries or not isinstance(commitments, list):
        raise VerificationFailed(f"{path}: no entries")
    lines = [f"checkpoint {checkpoint.origin} of size {checkpoint.size} signed by {verifier.name}"]
    concerns = _Concerns(number)
    forms: list[dict[str, Any]] = []
    values: dict[str, str] = {}  # the opened commitments: name → value …
    openings: dict[str, str] = {}  # … → commitment
    for item in commitments:
        if not isinstance(item, dict) or not all(
            isinstance(item.get(k), str) for k in ("name", "value", "commitment")
        ):
            raise VerificationFailed(f"{path}: malformed commitment {str(item)[:60]}")
        salt = _b64(item.get("salt"), f"commitment {item['name']} salt")
        opened = hashlib.sha256(item["value"].encode() + salt).hexdigest()
        if opened != item["commitment"].lower():
            raise VerificationFailed(f"{path}: commitment {item['name']} does not open to the value given")
        name = item["name"] if item["name"] not in values else f"{item['name']} {len(values) + 1}"
        values[name], openings[name] = item["value"], opened
    # A medical indication's entry shows only its status and a commitment naming the application (P3).
    concerns.claimed = {
        openings[n]
        for n, v in values.items()
        if n.startswith(INDICATION) and v.startswith(f"application {number},")
    }

    signed: set[str] = set()  # the commitments the included entries carry (`…_commitment` data keys)
    for item in entries:
        if (
            not isinstance(item, dict)
            or type(item.get("index")) is not int
            or not isinstance(item.get("entry"), str)
        ):
            raise VerificationFailed(f"{path}: malformed entry {str(item)[:60]}")
        index, text, hashes = item["index"], item["entry"], item.get("proof")
        if not isinstance(hashes, list):
            raise VerificationFailed(f"{path}: entry {index}: no proof")
        proof = [_b64(h, f"entry {index} proof") for h in hashes]
        try:
            tlog.check_record(
                proof, checkpoint.size, checkpoint.root_hash, index, tlog.record_hash(text.encode())
            )
        except tlog.TlogError:
            raise VerificationFailed(
                f"{path}: entry {index} is not included in the signed tree of size {checkpoint.size}"
            ) from None
        try:
            form = json.loads(text)
        except ValueError:
            raise VerificationFailed(f"{path}: entry {index} is not JSON") from None
        if not isinstance(form, dict) or form.get("seq") != index + 1:
            raise VerificationFailed(
                f"{path}: entry {index} is not the public form of ledger event {index + 1}"
            )
        if not concerns(form):
            raise VerificationFailed(
                f"{path}: entry {index} ({form.get('kind')}) does not concern application {number}"
            )
        forms.append(form)
        data = form.get("data")
        if isinstance(data, dict):
            signed |= {v for k, v in data.items() if k.endswith("_commitment") and isinstance(v, str)}
        lines.append(f"included: entry {index}, {form.get('kind')} at {form.get('occurred_at')}")
    if concerns.unneeded_groups():
        raise VerificationFailed(
            f"{path}: entries of group {min(concerns.unneeded_groups())} do not concern application {number}"
        )
    for name, opened in openings.items():
        if opened not in signed:
            raise VerificationFailed(f"{path}: commitment {name} is in no included entry")
        lines.append(f"opens: {name} = {values[name]}")
    lines.extend(_passed_over_checked(path, number, forms, values.get(BIRTH_DATE)))
    print(f"OK application {number}: " + "; ".join(lines[:1]))
    print("\n".join(lines[1:]))
    return 0


def command_watch(args: argparse.Namespace) -> int:
    verifier = load_verifier(args.key)
    source_at(args.log)  # a usage check before the first poll
    kept = Kept(Path(args.state))
    while True:
        old = kept.load(verifier)
        source = source_at(args.log)  # fresh: no tiles cached from an earlier tree
        body = source.checkpoint()
        checkpoint = open_checkpoint(body, verifier, "the log's checkpoint")
        if old is not None:
            check_consistency(source, old, checkpoint)
        kept.save(body)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        grown = "" if old is None else f" (kept {old.size}: consistent)"
        print(f"{stamp} {checkpoint.origin} size {checkpoint.size}{grown}", flush=True)
        if args.once:
            return 0
        time.sleep(args.interval)


# ------------------------------------------------------------------------------------------- main


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        print(f"kezek-verify: usage error: {message}", file=sys.stderr)
        raise SystemExit(2)


def parser() -> argparse.ArgumentParser:
    root = _Parser(prog="kezek-verify", description="Check Kezek's signed transparency log.")
    commands = root.add_subparsers(dest="command", required=True, parser_class=_Parser)
    check = commands.add_parser("check", help="verify the log, replay it, compare the open-data lists")
    watch = commands.add_parser("watch", help="poll the checkpoint, check it extends the kept one")
    for command in (check, watch):
        command.add_argument("--log", required=True, help="the portal's base URL or a directory")
        command.add_argument("--key", required=True, help="the log's verifier key, or a file holding it")
        command.add_argument(
            "--state", required=True, help="directory keeping the latest verified checkpoint"
        )
    check.add_argument("--skip-lists", action="store_true", help="do not compare the open-data lists")
    watch.add_argument("--interval", type=float, default=300.0, help="seconds between polls (default 300)")
    watch.add_argument("--once", action="store_true", help="poll once and exit")
    proof = commands.add_parser("proof", help="check a family's proof download (kezek-proof/1)")
    proof.add_argument("file")
    proof.add_argument("--key", help="the log's verifier key to pin (else the file's own)")
    return root


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    command = {"check": command_check, "proof": command_proof, "watch": command_watch}[args.command]
    try:
        return command(args)
    except UsageError as exc:
        print(f"kezek-verify: usage error: {exc}", file=sys.stderr)
        return 2
    except VerificationFailed as exc:
        print(f"kezek-verify: FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def run() -> NoReturn:
    sys.exit(main())


if __name__ == "__main__":
    run()
