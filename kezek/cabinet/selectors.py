"""Reads for the cabinet: "check my record" (issue 17, item 5) — a parent's application as the transparency
log holds it, with the proofs that the latest signed checkpoint includes every entry.

The download's format (`kezek-proof/1`), checked by `kezek-verify proof FILE`:

    {"format": "kezek-proof/1", "origin", "key": the verifier key, "checkpoint": the signed note,
     "application": its number, "entries": [{"index", "entry": the public form, "proof": [base64…]}],
     "commitments": [{"name", "value", "salt", "commitment"}]}  — the openings of its salted commitments

A publication that passed the application over for its age (A5) comes with its group's entries, so that
the family's verifier can compare the group's ages with the birth date the commitment opens.
"""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext_lazy as _

from kezek.core.errors import Conflict
from kezek.ledger.models import LedgerEvent
from kezek.placement.models import Direction, Enrollment, MedicalIndication, PriorityHolder
from kezek.placement.selectors import indication_opening
from kezek.translog import selectors as log
from kezek.translog.keys import log_vkey
from kezek.translog.public import public_form
from kezek.waitlist.commitments import application_commitments
from kezek.waitlist.models import Application
from kezek_verify import tlog

PROOF_FORMAT = "kezek-proof/1"
# Publication events whose `holders` may name the application (P2).
HOLDER_KINDS = frozenset({"places.published", "places.offer_moved"})
# A group's events that set its age range (P3), for a publication that passed the application over (A5).
GROUP_RANGE_KINDS = frozenset({"group.created", "group.updated"})


@dataclass(frozen=True)
class ProofEntry:
    index: int  # leaf index = ledger seq - 1
    entry: str  # the public form, as text
    proof: list[str]  # base64 hashes of the inclusion proof in the checkpoint's tree


@dataclass(frozen=True)
class RecordProof:
    origin: str
    key: str
    checkpoint: str
    application: int
    entries: list[ProofEntry]
    commitments: list[dict[str, Any]] = field(default_factory=list)  # openings of its salted commitments
    format: str = PROOF_FORMAT
    size: int = 0  # the checkpoint's tree size (not part of the file)


def proof_filename(number: int) -> str:
    return f"kezek-proof-{number}.json"


def _holder_of(event: LedgerEvent, number: int) -> bool:
    holders = event.payload.get("holders") if isinstance(event.payload, dict) else None
    return isinstance(holders, list) and number in holders


def _passed_over(number: int, size: int) -> list[LedgerEvent]:
    """The publications that passed application `number` over for its age (A5), and the events of their
    groups (their age ranges), among the tree's first `size` leaves."""
    application = Application.objects.select_related("locality").get(pk=number)
    found = LedgerEvent.objects.filter(
        kind="places.published",
        locality_code=application.locality.code,
        occurred_at__gte=application.registered_at,
        seq__lte=size,
    )
    if connection.vendor == "postgresql":  # SQLite has no JSON containment: the loop below decides
        found = found.filter(payload__passed_over__contains=[number])
    publications = [
        event
        for event in found.order_by("seq")
        if isinstance(event.payload, dict) and number in (event.payload.get("passed_over") or ())
    ]
    if not publications:
        return []
    groups = log.subject_events(
        subjects={"group": {str(e.payload["group"]) for e in publications}}, size=size
    )
    return [*publications, *(e for e in groups if e.kind in GROUP_RANGE_KINDS)]


def application_events(*, number: int, size: int) -> list[LedgerEvent]:
    """The ledger events about application `number` among the tree's first `size` leaves, in order: its own
    (subject application), its directions' (issued, extended, enrolled…), its enrolments' (from a direction
    or a staff child's: departure, transfer), the publications of free places that name it a holder, and
    those that passed it over for its age with their groups' creation and changes (A5: the family checks
    the outcome against the birth date its commitment opens). Queries on the ledger's subject index, and
    one over the locality's publications since the registration."""
    directions = Direction.objects.filter(application_id=number).values_list("pk", flat=True)
    publications = PriorityHolder.objects.filter(application_id=number).values_list(
        "publication_id", flat=True
    )
    enrolled = Enrollment.objects.filter(direction__application_id=number).values_list("pk", flat=True)
    own = log.subject_events(subjects={"application": [str(number)]}, size=size)
    # A staff child's enrolment closes the child's applications: theirs names it (application.enrolled).
    enrolments = {str(pk) for pk in enrolled}
    enrolments.update(
        str(payload["enrollment"])
        for payload in (event.payload for event in own)
        if isinstance(payload, dict) and payload.get("enrollment")
    )
    indications = MedicalIndication.objects.filter(application_id=number).values_list("pk", flat=True)
    others = log.subject_events(
        subjects={
            "medical_indication": [str(pk) for pk in indications],
            "direction": [str(pk) for pk in directions],
            "enrollment": enrolments,
            "publication": [str(pk) for pk in publications],
        },
        size=size,
    )
    others = [
        event
        for event in others
        if event.subject_type != "publication" or (event.kind in HOLDER_KINDS and _holder_of(event, number))
    ]
    return sorted([*own, *others, *_passed_over(number, size)], key=lambda event: event.seq)


def _openings(application: Application) -> list[dict[str, str]]:
    """The openings of the application's commitments: the child's birth date, each medical indication's."""
    indications = MedicalIndication.objects.filter(application=application).order_by("pk")
    opened = [indication_opening(indication) for indication in indications]
    return [*application_commitments(application), *(o for o in opened if o is not None)]


def record_proof(*, application: Application) -> RecordProof | None:
    """The application's entries in the log with their inclusion proofs in the latest checkpoint's tree;
    None while the log has no checkpoint."""
    checkpoint = log.checkpoint_latest()
    if checkpoint is None:
        return None
    events = application_events(number=application.pk, size=checkpoint.size)
    indexes = [event.seq - 1 for event in events]
    proofs = log.inclusion_proofs(indexes=indexes, size=checkpoint.size)
    return RecordProof(
        origin=settings.TRANSPARENCY_LOG_ORIGIN,
        key=log_vkey(),
        checkpoint=checkpoint.note,
        application=application.pk,
        entries=[
            ProofEntry(
                index=index, entry=public_form(event).decode(), proof=[tlog.format_hash(h) for h in proof]
            )
            for index, event, proof in zip(indexes, events, proofs, strict=True)
        ],
        commitments=_openings(application) if events else [],
        size=checkpoint.size,
    )


def record_proof_or_refusal(*, application: Application) -> RecordProof:
    """`record_proof`, or Conflict while the log has no signed checkpoint."""
    proof = record_proof(application=application)
    if proof is None:
        raise Conflict(
            _("The transparency log has no signed checkpoint yet. Try again in a few minutes."),
            code="no_checkpoint",
        )
    return proof
