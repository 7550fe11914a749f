"""Comparing the state the ledger implies (`replay`) with the live tables: the findings.

Everything is read as value tuples in chunks (no model instances): `integrity_check` streams the ledger
into the replayed state, then walks each table once. A finding is (kind, object, expected, found), with
no personal data (a child is shown by a masked IIN).
"""

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction

from kezek.cabinet.models import AccessRequest
from kezek.confirmation.models import Campaign, Response
from kezek.core.masking import mask_iin
from kezek.discretion.models import DiscretionBasis
from kezek.facilities.models import BaseFee, Group, Locality, Organisation
from kezek.feedback.models import Feedback
from kezek.funding.integrity import funding_findings
from kezek.infection.integrity import live_cases, live_quarantines
from kezek.ledger.hashing import person_digest
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.placement import selectors as placement_selectors
from kezek.placement.models import (
    Direction,
    Enrollment,
    MedicalIndication,
    Place,
    PlacementSettings,
    PriorityHolder,
    Publication,
)
from kezek.translog.keys import log_vkey
from kezek.translog.models import Checkpoint
from kezek.translog.public import public_form_of
from kezek.translog.selectors import checkpoint_latest
from kezek.vouchers.models import Voucher
from kezek.waitlist import ranks
from kezek.waitlist.commitments import birth_commitment
from kezek.waitlist.models import (
    Application,
    BenefitClaim,
    CohortCounter,
    QueueSettings,
    RankNode,
    StopListEntry,
)
from kezek_verify import note, tlog
from kezek_verify.checkpoint import Checkpoint as TreeHead

from . import replay as r

CHUNK_SIZE = 5000


@dataclass(frozen=True)
class Finding:
    """One difference between the ledger and the live tables."""

    kind: str  # e.g. "application.tier", "direction.unrecorded", "rank_node.count", "ledger.chain"
    object: str  # e.g. "application 12"
    expected: str  # what the ledger implies
    found: str  # what the live tables hold

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "object": self.object, "expected": self.expected, "found": self.found}


@dataclass
class Report:
    events: int  # ledger events checked
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.findings


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def _ms_text(value: int | None) -> str:
    if value is None:
        return "—"
    return (r.EPOCH + dt.timedelta(milliseconds=value)).isoformat(timespec="milliseconds")


def ledger_events_stream(chunk_size: int = CHUNK_SIZE) -> Iterator[r.Event]:
    """The whole ledger in chain order, as replay events."""
    rows = LedgerEvent.objects.order_by("seq").values_list(
        "seq", "kind", "subject_type", "subject_id", "locality_code", "payload", "occurred_at"
    )
    for row in rows.iterator(chunk_size=chunk_size):
        yield r.Event(*row)


def integrity_check(*, chunk_size: int = CHUNK_SIZE) -> Report:
    """Verify the chain, replay it and diff the live tables against the replayed state (and the rank and
    count tables against the replayed queue). One consistent snapshot on PostgreSQL (REPEATABLE READ)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and outermost:  # inside a caller's transaction: its snapshot
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        verified = ledger_verify(chunk_size=chunk_size)
        findings: list[Finding] = []
        if not verified.ok:
            findings.append(
                Finding(
                    "ledger.chain", f"event {verified.first_broken_seq}", "an intact chain", verified.reason
                )
            )
        signed = checkpoint_latest()
        log = LogRoot(signed.size if signed is not None else 0)
        state = r.replay(log.fed(ledger_events_stream(chunk_size)))
        findings += diff_log(signed, log)
        findings += [
            Finding("ledger.replay", f"event {seq}", about, what) for seq, about, what in state.anomalies
        ]
        findings += diff_applications(state, chunk_size=chunk_size)
        findings += diff_placement(state, chunk_size=chunk_size)
        findings += diff_settings(state)
        findings += diff_ranks(state)
        findings += diff_seats()
        findings += diff_bases(state)
        findings += diff_claims(state, chunk_size=chunk_size)
        findings += diff_records(state, chunk_size=chunk_size)
        findings += diff_timesheets(state, chunk_size=chunk_size)
        findings += [Finding(*found) for found in funding_findings(chunk_size=chunk_size)]  # E28
        findings += diff_vouchers(state, chunk_size=chunk_size)
        findings += diff_exchange(state, chunk_size=chunk_size)
        findings += diff_indications(state, chunk_size=chunk_size)
        findings += diff_campaigns(state)
        findings += diff_access_requests(state, chunk_size=chunk_size)
        findings += diff_organisations(state)
        findings += diff_assignments(state, chunk_size=chunk_size)
        findings += diff_closures(state, chunk_size=chunk_size)
        findings += diff_feedback(state, chunk_size=chunk_size)
        findings += diff_monitoring(state, chunk_size=chunk_size)  # E47
        findings += diff_school_transfers(state, chunk_size=chunk_size)
        findings += diff_infection(state, chunk_size=chunk_size)
    return Report(events=state.events, findings=findings)


class LogRoot:
    """A4: the RFC 9162 root of the first `size` public forms of the ledger, computed as the chain streams
    by (a stack of perfect subtrees: O(log n) memory)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.count = 0
        self._stack: list[tuple[int, bytes]] = []  # (height, hash) of the perfect subtrees, left to right

    def fed(self, events: Iterator[r.Event]) -> Iterator[r.Event]:
        for event in events:
            if self.count < self.size:
                self._add(event)
            yield event

    def _add(self, event: r.Event) -> None:
        data = public_form_of(
            seq=event.seq, kind=event.kind, occurred_at=event.occurred_at, subject_type=event.subject_type,
            subject_id=event.subject_id, locality_code=event.locality_code, payload=event.payload,
        )  # fmt: skip
        height, digest = 0, tlog.record_hash(data)
        while self._stack and self._stack[-1][0] == height:
            digest = tlog.node_hash(self._stack.pop()[1], digest)
            height += 1
        self._stack.append((height, digest))
        self.count += 1

    def root(self) -> bytes:
        digest = tlog.EMPTY_HASH if not self._stack else self._stack[-1][1]
        for _height, left in reversed(self._stack[:-1]):
            digest = tlog.node_hash(left, digest)
        return digest


def diff_log(signed: Checkpoint | None, log: LogRoot) -> Iterator[Finding]:
    """A4: the latest checkpoint is signed with the log's key, and the ledger still hashes to the root it
    signed — a ledger rewritten (or cut) after it was signed, however consistent its chain, is reported.
    (Against someone who also holds the key, the witnesses' kept checkpoints are the anchor: kezek-verify.)"""
    if signed is None:
        return
    name = f"checkpoint {signed.size}"
    try:
        text = TreeHead.parse(note.open(signed.note.encode(), [note.new_verifier(log_vkey())]).text)
    except (note.NoteError, ValueError) as exc:
        yield Finding("log.checkpoint", name, "signed with the log's key", str(exc)[:200])
        return
    if (text.size, text.root_hash) != (signed.size, bytes(signed.root_hash)):
        yield Finding("log.checkpoint", name, "the signed size and root", "another size or root")
    elif log.count < signed.size:
        yield Finding("log.size", name, f"{signed.size} events signed", f"{log.count} on the ledger")
    elif log.root() != text.root_hash:
        yield Finding(
            "log.root", name, "the signed root", "the ledger's public forms hash to another root (rewritten)"
        )


def _compare(
    kind: str, name: str, fields: tuple[str, ...], expected: list[Any], found: list[Any]
) -> Iterator[Finding]:
    for index, field in enumerate(fields):
        want, have = expected[index], found[index]
        if want is not None and want != have:
            yield Finding(f"{kind}.{field}", name, _show(want), _show(have))


def _missing(kind: str, label: str, ids: Any) -> Iterator[Finding]:
    for pk in sorted(ids):
        yield Finding(f"{kind}.missing", f"{label} {pk}", "recorded on the ledger", "no row")


def diff_applications(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """Every application against its replay: the fields of `replay.APPLICATION_FIELDS`."""
    codes = dict(Locality.objects.values_list("pk", "code"))
    stops = dict(
        StopListEntry.objects.filter(restored_at__isnull=True).values_list("application_id", "reason")
    )
    remaining = set(state.applications)
    rows = Application.objects.order_by().values_list(
        "pk", "status", "tier", "cohort", "ordinal", "registered_at", "valid_until", "locality_id",
        "applicant_id", "child__iin", "child__birth_date", "commitment_salt",
    )  # fmt: skip
    for (
        pk,
        status,
        tier,
        cohort,
        ordinal,
        registered_at,
        valid_until,
        locality,
        applicant,
        iin,
        born,
        salt,
    ) in rows.iterator(chunk_size=chunk_size):
        name = f"application {pk}"
        expected = state.applications.get(pk)
        if expected is None:
            yield Finding("application.unrecorded", name, "no application.registered event", status)
            continue
        remaining.discard(pk)
        digest = person_digest(iin, born) if expected[r.A_CHILD] is not None else None
        found: list[Any] = [
            status, tier, cohort, ordinal, r.moment_ms(registered_at), valid_until.isoformat(),
            codes.get(locality), applicant, digest, stops.get(pk),
            None if salt is None else birth_commitment(born, bytes(salt))[: r.COMMITMENT_HEX],
        ]  # fmt: skip
        for finding in _compare("application", name, r.APPLICATION_FIELDS, expected, found):
            if finding.kind == "application.child":
                finding = Finding(
                    finding.kind, name, "the child registered", f"{mask_iin(iin)} born {born:%Y}"
                )
            elif finding.kind == "application.registered_at":
                finding = Finding(
                    finding.kind, name, _ms_text(expected[r.A_REGISTERED]), _ms_text(found[r.A_REGISTERED])
                )
            yield finding
        if expected[r.A_STOP] is None and pk in stops:
            yield Finding("application.stop_list", name, "not stop-listed", stops[pk])
    yield from _missing("application", "application", remaining)


def _diff_rows(
    kind: str,
    label: str,
    replayed: dict[int, list[Any]],
    fields: tuple[str, ...],
    rows: Iterator[tuple[Any, ...]],
) -> Iterator[Finding]:
    remaining = set(replayed)
    for pk, *found in rows:
        expected = replayed.get(pk)
        if expected is None:
            yield Finding(f"{kind}.unrecorded", f"{label} {pk}", "no ledger event", "a row")
            continue
        remaining.discard(pk)
        yield from _compare(kind, f"{label} {pk}", fields, expected, found)
    yield from _missing(kind, label, remaining)


def diff_placement(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """Directions, places, publications (places, window, holders), enrolments and departures, and every
    group (capacity, open or closed, and A1 its organisation, name, language, kind, ages and year: a group
    with no `group.created` is unrecorded)."""
    directions = (
        (pk, application, place, group, direction_state, r.moment_ms(valid_until), None)
        for pk, application, place, group, direction_state, valid_until in Direction.objects.order_by()
        .values_list("pk", "application_id", "place_id", "group_id", "state", "valid_until")
        .iterator(chunk_size=chunk_size)
    )
    stored = r.DIRECTION_FIELDS[: r.D_EXTENSIONS]  # the count of extensions is not a column: not compared
    yield from _diff_rows("direction", "direction", state.directions, stored, directions)
    replayed_places = {pk: [status] for pk, status in state.places.items()}
    places = Place.objects.order_by().values_list("pk", "status").iterator(chunk_size=chunk_size)
    yield from _diff_rows("place", "place", replayed_places, ("status",), places)
    seats: dict[int, list[int]] = defaultdict(list)
    for publication, place in Place.objects.order_by("pk").values_list("publication_id", "pk"):
        seats[publication].append(place)
    holders: dict[int, list[int]] = defaultdict(list)
    for publication, application in PriorityHolder.objects.order_by("rank", "pk").values_list(
        "publication_id", "application_id"
    ):
        holders[publication].append(application)
    publications = (
        (pk, group, tuple(seats[pk]), r.moment_ms(until), tuple(holders[pk]))
        for pk, group, until in Publication.objects.order_by().values_list("pk", "group_id", "priority_until")
    )
    yield from _diff_rows(
        "publication", "publication", state.publications, r.PUBLICATION_FIELDS, publications
    )
    enrollments = (
        (pk, group, direction, r.day(left_on) or "", staff_child)
        for pk, group, direction, left_on, staff_child in Enrollment.objects.order_by()
        .values_list("pk", "group_id", "direction_id", "left_on", "staff_child")
        .iterator(chunk_size=chunk_size)
    )
    yield from _diff_rows("enrollment", "enrolment", state.enrollments, r.ENROLLMENT_FIELDS, enrollments)
    groups = (
        Group.objects.order_by()
        .values_list("pk", "capacity", "is_active", "organisation_id", *r.GROUP_PASSPORT[1:])
        .iterator(chunk_size)
    )
    yield from _diff_rows("group", "group", state.groups, r.GROUP_FIELDS, groups)


def diff_settings(state: r.State) -> Iterator[Finding]:
    """Each locality's ratio (Q4) and distribution settings: as last recorded, else the defaults."""
    ratio_default = QueueSettings().priority_ratio
    for code, ratio in QueueSettings.objects.values_list("locality__code", "priority_ratio"):
        expected = state.queue_settings.get(code, {}).get("priority_ratio", ratio_default)
        if ratio != expected:
            yield Finding("queue_settings.priority_ratio", f"locality {code}", str(expected), str(ratio))
    names = r.PLACEMENT_SETTING_NAMES
    defaults = {name: PlacementSettings().__dict__[name] for name in names}  # the fields' defaults
    for code, *values in PlacementSettings.objects.values_list("locality__code", *names):
        recorded = state.placement_settings.get(code, {})
        for name, value in zip(names, values, strict=True):
            expected = recorded.get(name, defaults[name])
            if value != expected:
                yield Finding(f"placement_settings.{name}", f"locality {code}", str(expected), str(value))


def diff_ranks(state: r.State) -> Iterator[Finding]:
    """The Fenwick counts (`waitlist_rank_node`) and the cohort counters, recomputed from the replayed
    queue: a node's count is the number of queued applications whose ordinal it covers (ranks.py)."""
    locality_ids = dict(Locality.objects.values_list("code", "pk"))
    queued: dict[tuple[int, int, str], list[int]] = defaultdict(list)
    last: dict[tuple[int, int], tuple[int, int]] = {}
    for row in state.applications.values():
        locality = locality_ids.get(row[r.A_LOCALITY], -1)
        if row[r.A_STATUS] == "queued":
            queued[(locality, row[r.A_COHORT], row[r.A_TIER])].append(row[r.A_ORDINAL])
        cohort_key = (locality, row[r.A_COHORT])
        ordinal, moment = last.get(cohort_key, (0, 0))
        last[cohort_key] = (max(ordinal, row[r.A_ORDINAL]), max(moment, row[r.A_REGISTERED] or 0))
    stored: set[tuple[int, int, str]] = set(
        RankNode.objects.filter(count__gt=0).values_list("locality_id", "cohort", "tier").distinct()
    )
    for key in sorted(stored | set(queued)):
        locality, cohort, tier = key
        expected = fenwick(queued.get(key, []))
        found = dict(
            RankNode.objects.filter(locality_id=locality, cohort=cohort, tier=tier)
            .exclude(count=0)
            .values_list("node", "count")
        )
        for node in sorted(expected.keys() | found.keys()):
            if expected.get(node, 0) != found.get(node, 0):
                yield Finding(
                    "rank_node.count",
                    f"locality #{locality} cohort {cohort} {tier} node {node}",
                    str(expected.get(node, 0)),
                    str(found.get(node, 0)),
                )
    counters = CohortCounter.objects.values_list(
        "locality_id", "cohort", "last_ordinal", "last_registered_at"
    )
    for locality, cohort, last_ordinal, last_registered_at in counters:
        ordinal, moment = last.pop((locality, cohort), (0, 0))
        name = f"cohort counter locality #{locality} cohort {cohort}"
        if last_ordinal != ordinal:
            yield Finding("cohort_counter.last_ordinal", name, str(ordinal), str(last_ordinal))
        if ordinal and r.moment_ms(last_registered_at) != moment:
            yield Finding(
                "cohort_counter.last_registered_at",
                name,
                _ms_text(moment),
                _ms_text(r.moment_ms(last_registered_at)),
            )
    for (locality, cohort), (ordinal, _moment) in sorted(last.items()):
        yield Finding(
            "cohort_counter.missing",
            f"cohort counter locality #{locality} cohort {cohort}",
            str(ordinal),
            "no row",
        )


def diff_seats() -> Iterator[Finding]:
    """P1: every active group's capacity = enrolled + live directions + open places. A seat nobody holds
    and nobody has published is withheld (`tick` publishes such seats every minute, so one is seen only
    when the sweep is stopped or the seat was freed behind the services' back)."""
    for group in placement_selectors.groups_with_unaccounted_seats().iterator(chunk_size=CHUNK_SIZE):
        pk, capacity, unpublished = group.pk, group.capacity, group.room  # type: ignore[attr-defined]
        yield Finding(
            "group.seats_withheld",
            f"group {pk}",
            f"capacity {capacity} = enrolled + live directions + open places",
            f"{unpublished} seats nobody holds, unpublished",
        )


def diff_claims(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """Q5, D1: a documented benefit claim's status is its last recorded decision, else pending (a claim
    confirmed in SQL, with no decision and no certificate's hash on the ledger, is reported)."""
    claims = BenefitClaim.objects.filter(source=BenefitClaim.Source.DOCUMENT).order_by()
    for pk, application, category, status in claims.values_list(
        "pk", "application_id", "category__code", "status"
    ).iterator(chunk_size=chunk_size):
        if application not in state.applications:
            continue  # the application itself is reported
        expected = state.claims.get((application, category), BenefitClaim.Status.PENDING)
        if status != expected:
            yield Finding("benefit_claim.status", f"benefit claim {pk}", expected, status)


def diff_bases(state: r.State) -> Iterator[Finding]:
    """D1: every act the ledger records with a basis hash has its basis kept, and the kept text still
    hashes to it (a reason edited afterwards, e.g. into junk, is `basis.altered`); a kept basis no act
    records is `basis.unrecorded`. One basis may cover two events of one decision (a rejected benefit and
    the stop-listing it causes)."""
    kept: dict[tuple[str, str, str], list[DiscretionBasis]] = defaultdict(list)
    for row in DiscretionBasis.objects.order_by("pk").iterator(chunk_size=CHUNK_SIZE):
        kept[(row.subject_type, row.subject_id, row.sha256)].append(row)
    cited: set[tuple[str, str, str]] = set()
    for seq, kind, subject_type, subject_id, digest in state.bases:
        key = (subject_type, subject_id, digest)
        cited.add(key)
        if key not in kept:
            yield Finding("basis.missing", f"event {seq}", f"the basis of {kind} kept", "no row")
        for row in kept.get(key, []):
            if row.basis.sha256() != digest:
                yield Finding("basis.altered", f"event {seq}", f"a basis hashing to {digest[:12]}…", "edited")
    for key in kept.keys() - cited:
        for row in kept[key]:
            yield Finding("basis.unrecorded", f"basis {row.pk}", "an act on the ledger", row.event_kind)


def diff_records(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """E9: every child's file and document as the ledger recorded it — the file's enrolment and status
    (open or closed), its contract, the keyed digest of its health notes and its groups in order; each
    document's file, type and SHA-256. A row the ledger never recorded, or one it recorded that is gone, is a
    finding (`kezek.records.integrity`)."""
    from kezek.records.integrity import live_documents, live_files

    seen: set[int] = set()
    for pk, live in live_files(chunk_size=chunk_size):
        seen.add(pk)
        expected = state.files.get(pk)
        if expected is None:
            yield Finding("child_file.unrecorded", f"child file {pk}", "a record.opened event", "a live file")
            continue
        for index, name in enumerate(r.FILE_FIELDS):  # None is recorded too: no contract, no notes yet
            if expected[index] != live[index]:
                yield Finding(
                    f"child_file.{name}", f"child file {pk}", _show(expected[index]), _show(live[index])
                )
    yield from _missing("child_file", "child file", state.files.keys() - seen)
    seen = set()
    for pk, live in live_documents(chunk_size=chunk_size):
        seen.add(pk)
        expected = state.documents.get(pk)
        if expected is None:
            yield Finding(
                "child_document.unrecorded", f"document {pk}", "a record.document_added event", "a row"
            )
            continue
        yield from _compare("child_document", f"document {pk}", r.DOCUMENT_FIELDS, expected, live)
    yield from _missing("child_document", "document", state.documents.keys() - seen)


def fenwick(ordinals: list[int]) -> dict[int, int]:
    """The non-zero Fenwick nodes of a set of queued ordinals (`ranks.update_nodes` of each)."""
    counts: dict[int, int] = defaultdict(int)
    capacity = ranks.CAPACITY
    for ordinal in ordinals:
        while ordinal <= capacity:
            counts[ordinal] += 1
            ordinal += ordinal & -ordinal
    return counts


def diff_timesheets(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """E15: every submitted or locked month: its row's state and hash as the ledger says, and its sheet
    recomputed from the live marks hashes to the ledger's sha256 (a silent edit of a mark is reported)."""
    from kezek.attendance.models import TimesheetMonth
    from kezek.attendance.selectors import sheet_hashes

    rows = {
        pk: (group_id, month, row_state, sha)
        for pk, group_id, month, row_state, sha in TimesheetMonth.objects.exclude(state="open").values_list(
            "pk", "group_id", "month", "state", "sheet_sha256"
        )
    }
    live = sheet_hashes(((pk, row[0], row[1]) for pk, row in rows.items()), chunk_size=chunk_size)
    yield from _missing("timesheet", "timesheet", state.timesheets.keys() - rows.keys())
    for pk, (_group, _month, row_state, sha) in sorted(rows.items()):
        name = f"timesheet {pk}"
        expected = state.timesheets.get(pk)
        if expected is None:
            yield Finding("timesheet.unrecorded", name, "no ledger event", row_state)
            continue
        yield from _compare("timesheet", name, ("state", "sheet_sha256"), expected[2:], [row_state, sha])
        if live[pk] != expected[3]:
            yield Finding("timesheet.sheet", name, f"sheet sha256 {expected[3]}", f"marks hash to {live[pk]}")


def diff_vouchers(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """E38: the vouchers (application, state, deadlines, waiting list, direction) against their events."""
    rows = (
        (
            pk,
            application,
            voucher_state,
            r.moment_ms(confirm),
            r.moment_ms(contract) or -1,
            waiting or 0,
            direction or 0,
        )
        for pk, application, voucher_state, confirm, contract, waiting, direction in Voucher.objects.all()
        .values_list(
            "pk",
            "application_id",
            "state",
            "confirm_until",
            "contract_until",
            "waiting_organisation_id",
            "direction_id",
        )
        .iterator(chunk_size=chunk_size)
    )
    yield from _diff_rows("voucher", "voucher", state.vouchers, r.VOUCHER_FIELDS, rows)


def diff_exchange(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """E79: place exchange's offers (status, group, enrolment), exchanges (round, status, length) and
    rounds (week, runs) against their events."""
    from kezek.exchange.models import Exchange, ExchangeOffer, ExchangeRound

    offers = ExchangeOffer.objects.order_by().values_list("pk", "status", "group_id", "enrollment_id")
    yield from _diff_rows(
        "exchange_offer", "exchange offer", state.exchange_offers, r.EXCHANGE_OFFER_FIELDS,
        offers.iterator(chunk_size=chunk_size),
    )  # fmt: skip
    exchanges = Exchange.objects.order_by().values_list("pk", "round_id", "status", "length")
    yield from _diff_rows(
        "exchange", "exchange", state.exchanges, r.EXCHANGE_FIELDS, exchanges.iterator(chunk_size=chunk_size)
    )
    rounds = (
        (pk, r.day(week), runs) for pk, week, runs in ExchangeRound.objects.values_list("pk", "week", "runs")
    )
    yield from _diff_rows(
        "exchange_round", "exchange round", state.exchange_rounds, r.EXCHANGE_ROUND_FIELDS, rounds
    )


# --- A1: medical indications, campaigns, access requests, organisations, teachers, closures -------------


def diff_indications(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """P3: every medical indication (application, dates, status, who decided) as its events state it; its
    child is its application's (an indication moved to another child in SQL is reported)."""
    moved: list[int] = []
    rows = MedicalIndication.objects.order_by().values_list(
        "pk", "application_id", "issued_on", "valid_until", "status", "decided_by_id", "child_id",
        "application__child_id",
    )  # fmt: skip

    def found() -> Iterator[tuple[Any, ...]]:
        for pk, application, issued, valid, status, by, child, own in rows.iterator(chunk_size=chunk_size):
            if child != own:
                moved.append(pk)
            yield pk, application, r.day(issued), r.day(valid), status, by or 0

    yield from _diff_rows(
        "medical_indication", "medical indication", state.indications, r.INDICATION_FIELDS, found()
    )
    for pk in moved:
        yield Finding(
            "medical_indication.child", f"medical indication {pk}", "its application's child", "another"
        )


def diff_campaigns(state: r.State) -> Iterator[Finding]:
    """C1–C4: every campaign (locality, year, start, end, who launched it, the fan-out's count once done,
    the sweep's stop-listings and answers counted from their events), and whose answers it keeps: an
    answer row whose applicant no event names (beyond the answers of events before A1) is unrecorded."""
    codes = dict(Locality.objects.values_list("pk", "code"))
    answers: dict[int, dict[int, int]] = defaultdict(dict)  # campaign → applicant → response
    for pk, campaign, applicant in Response.objects.order_by().values_list(
        "pk", "campaign_id", "applicant_id"
    ):
        answers[campaign][applicant] = pk
    rows = (
        (
            pk, codes.get(locality), year, r.moment_ms(starts), r.moment_ms(ends), by, count,
            notified is not None, stop_listed, swept is not None, len(answers.get(pk, ())),
        )
        for pk, locality, year, starts, ends, by, count, notified, stop_listed, swept in Campaign.objects
        .order_by()
        .values_list(
            "pk", "locality_id", "year", "starts_at", "ends_at", "launched_by_id", "notified_count",
            "notified_at", "stop_listed_count", "swept_at",
        )
    )  # fmt: skip
    yield from _diff_rows("campaign", "campaign", state.campaigns, r.CAMPAIGN_FIELDS, rows)
    named: dict[int, set[int]] = defaultdict(set)
    for campaign, applicant in state.responses:
        named[campaign].add(applicant)
    for campaign, row in sorted(state.campaigns.items()):
        kept = answers.get(campaign, {})
        missing = named[campaign] - kept.keys()
        if missing:
            yield Finding(
                "campaign_response.missing",
                f"campaign {campaign}",
                f"{len(missing)} recorded answers",
                "no row",
            )
        extra = sorted(kept.keys() - named[campaign])
        if len(extra) > row[r.C_RESPONSES] - len(named[campaign]):  # more than the events naming nobody
            for applicant in extra:
                yield Finding(
                    "campaign_response.unrecorded", f"response {kept[applicant]}", "an answer on the ledger",
                    "a row no campaign.confirmed names",
                )  # fmt: skip


def diff_access_requests(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """D2: every request's status, first approver and decider as its events state them."""
    rows = (
        (pk, status, first or 0, by or 0)
        for pk, status, first, by in AccessRequest.objects.order_by()
        .values_list("pk", "status", "first_approved_by_id", "decided_by_id")
        .iterator(chunk_size=chunk_size)
    )
    yield from _diff_rows(
        "access_request", "access request", state.access_requests, r.ACCESS_REQUEST_FIELDS, rows
    )


def _json(value: Any) -> Any:
    """A live value as the ledger's JSON spells it (times, dates and decimals as text)."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def diff_organisations(state: r.State) -> Iterator[Finding]:
    """Every passport field (and the BIN, locality and fee table) the ledger stated of an organisation,
    as last stated. An organisation no event names is not compared: the demo's are bulk-loaded, and one
    inserted in SQL holds no place until a group of it is (an unrecorded group is reported)."""
    codes = dict(Locality.objects.values_list("pk", "code"))
    fees: dict[int, list[list[int]]] = defaultdict(list)
    for organisation, *fee in BaseFee.objects.order_by("organisation_id", "age_from").values_list(
        "organisation_id", "age_from", "age_to", "monthly_fee"
    ):
        fees[organisation].append(fee)
    names = [name for name in r.ORGANISATION_FIELDS if name not in ("locality", "fees")]
    seen: set[int] = set()
    for pk, locality, *values in Organisation.objects.order_by().values_list("pk", "locality_id", *names):
        expected = state.organisations.get(pk)
        if expected is None:
            continue
        seen.add(pk)
        live = {
            **dict(zip(names, _json(values), strict=True)),
            "locality": codes.get(locality),
            "fees": fees[pk],
        }
        for name in r.ORGANISATION_FIELDS:
            if name in expected and expected[name] != live[name]:
                yield Finding(
                    f"organisation.{name}", f"organisation {pk}", _show(expected[name]), _show(live[name])
                )
    yield from _missing("organisation", "organisation", state.organisations.keys() - seen)


def diff_assignments(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """E10: which teacher keeps which group, from when to when (records' scope follows it)."""
    from kezek.attendance.models import TeacherAssignment

    rows = (
        (pk, profile, group, r.day(since), r.day(until) or "")
        for pk, profile, group, since, until in TeacherAssignment.objects.order_by()
        .values_list("pk", "profile_id", "group_id", "since", "until")
        .iterator(chunk_size=chunk_size)
    )
    yield from _diff_rows(
        "teacher_assignment", "teacher assignment", state.assignments, r.ASSIGNMENT_FIELDS, rows
    )


def diff_closures(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """E12: the days a kindergarten or group was closed (they are not working days: no marks, no pay)."""
    from kezek.attendance.models import Closure

    rows = (
        (pk, organisation, group or 0, r.day(first), r.day(last), kind, by)
        for pk, organisation, group, first, last, kind, by in Closure.objects.order_by()
        .values_list("pk", "organisation_id", "group_id", "first_day", "last_day", "kind", "created_by_id")
        .iterator(chunk_size=chunk_size)
    )
    yield from _diff_rows("closure", "closure", state.closures, r.CLOSURE_FIELDS, rows)


def diff_feedback(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """Messages to the department: status and whether answered as staff last set them; a message no event
    names was never touched by staff (new, unanswered), so one closed or answered in SQL is reported."""
    seen: set[int] = set()
    rows = Feedback.objects.order_by().values_list("pk", "status", "answer").iterator(chunk_size=chunk_size)
    for pk, status, answer in rows:
        seen.add(pk)
        expected = state.feedback.get(pk, r.FEEDBACK_RECEIVED)
        yield from _compare("feedback", f"feedback {pk}", r.FEEDBACK_FIELDS, expected, [status, bool(answer)])
    yield from _missing("feedback", "feedback", state.feedback.keys() - seen)


def diff_monitoring(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """E47: the monitoring cards (each recomputed from its marks), points and dates against the ledger."""
    from kezek.monitoring.integrity import monitoring_findings

    for found in monitoring_findings(
        cards=state.monitoring_cards,
        points=state.monitoring_points,
        dates=state.monitoring_dates,
        chunk_size=chunk_size,
    ):
        yield Finding(*found)


def diff_school_transfers(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """E67: every transfer to school (file, state, the package's SHA-256) against its events, and each
    issued package's kept JSON still hashing to that SHA-256 (`kezek.schooltransfer.integrity`)."""
    from kezek.schooltransfer.integrity import live_transfers

    rows = []
    for pk, file_id, transfer_state, sha256, rehashed in live_transfers(chunk_size=chunk_size):
        if rehashed != sha256:
            yield Finding("school_transfer.package", f"school transfer {pk}", f"sha256 {sha256}", rehashed)
        rows.append((pk, file_id, transfer_state, sha256))
    yield from _diff_rows(
        "school_transfer", "school transfer", state.school_transfers, r.SCHOOL_TRANSFER_FIELDS, iter(rows)
    )


def diff_infection(state: r.State, *, chunk_size: int = CHUNK_SIZE) -> Iterator[Finding]:
    """E58: every case (infection, who and when as a digest, its contacts) and quarantine (group,
    infection, days, ended) against its events."""
    cases = live_cases(chunk_size=chunk_size)
    yield from _diff_rows("infection_case", "infection case", state.infection_cases, r.CASE_FIELDS, cases)
    yield from _diff_rows(
        "quarantine",
        "quarantine",
        state.quarantines,
        r.QUARANTINE_FIELDS,
        live_quarantines(chunk_size=chunk_size),
    )
