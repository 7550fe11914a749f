"""The public form of a ledger event: what the transparency log publishes of it (docs/transparency.md).

    {"v": 1, "seq", "kind", "occurred_at", "subject_type", "subject_id", "locality", "data"}

as canonical JSON (UTF-8, sorted keys, compact separators, no ASCII escaping). `data` holds only the
payload keys `PUBLIC_KEYS` lists for the event's kind (O5: never an IIN, a name, a phone or address of a
person, a birth date, the child digest, an applicant id, a staff user id, a free-text reason or a file
name). A kind missing from the table publishes no data; a test fails when the code writes such a kind.

The form is frozen: leaf i of the log is the public form of event i + 1, so changing what an existing
kind publishes would change leaves already signed. A new kind gets its entry before its first event.
"""

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

from kezek.ledger.hashing import canonical_json

FORM_VERSION = 1

# Cross-cutting public keys, named once.
_APPLICATION = ("number", "status", "tier")  # every application event (waitlist._ledger)
_PLACEMENT = ("group", "organisation")  # every placement event (placement._ledger)
_BASIS = ("basis_hash", "basis_document_number")  # D1: the act's basis, cited (the reason stays private)
_CAMPAIGN = ("campaign", "year")  # every campaign event (confirmation._event)
_ORGANISATION = (  # the organisation's passport, public in the facilities API (not a person's)
    "name_kk", "name_ru", "kind", "ownership", "address", "phone", "website", "email", "work_week",
    "opens_at", "closes_at", "duty_group", "extra_equipment",
)  # fmt: skip
_DIRECTION = ("state", "valid_until")
_TIMESHEET = ("timesheet", "month", "sheet_sha256")  # every timesheet event (attendance, E15)
_GROUP = ("name", "language", "kind", "age_from", "age_to")
_RECORD = ("file", "enrollment", "organisation")  # every child-file event (records._ledger)
_PLACEMENT_SETTINGS = (
    "distribution_policy", "priority_days", "priority_hour", "age_reference", "direction_working_days",
    "direction_max_days",
)  # fmt: skip
_FUNDING_RATE = (
    "rate", "ownership", "group_kind", "age_from", "age_to", "stay_mode", "amount", "valid_from",
    "valid_until", "decision_number", "ended",
)  # fmt: skip
_FUNDING_TERMS = (
    "terms", "max_parent_fee", "paid_reasons", "valid_from", "valid_until", "decision_number", "ended",
)  # fmt: skip
_FUNDING_STATEMENT = (
    "statement", "organisation", "month", "children", "paid_days", "amount", "corrections", "total", "sha256",
)  # fmt: skip

_VOUCHER = (  # every voucher event (vouchers._event, E38)
    "voucher", "application", "state", "confirm_until", "contract_until", "restore_until",
    "waiting_organisation", "direction",
)  # fmt: skip

_EXCHANGE = ("exchange", "round", "status")  # every exchange event (exchange._exchange_spec, E79)
_MONITORING = ("point", "group", "organisation", "school_year", "period", "template")  # E47
_SCHOOL_TRANSFER = ("transfer", "file", "organisation", "state")  # every transfer event (E67)
_QUARANTINE = ("quarantine", "group", "organisation", "last_day")  # every quarantine event (E58)

# A key is either published as it is (a name) or, for a dict of changes, as (name, the public sub-keys).
PublicKey = str | tuple[str, tuple[str, ...]]

# kind → the payload keys its public form carries. Left out on purpose: `applicant`, `previous` (applicant
# ids link a family's applications), `child` (a digest of IIN and birth date), `by` as a staff user id,
# `staff`, `first_approved_by`, `document` (a file name), free-text `reason`s (a group's closure, a staff
# child's basis), a benefit's `category` and a medical indication's application and dates (health data of
# a numbered application), and a confirmation's list of one applicant's applications.
PUBLIC_KEYS: dict[str, tuple[PublicKey, ...]] = {
    # waitlist
    "application.registered": (
        *_APPLICATION,
        "cohort",
        "ordinal",
        "registered_at",
        "valid_until",
        "birth_commitment",
    ),
    "application.referred": (*_APPLICATION, "direction"),
    "application.returned": (*_APPLICATION, "direction"),
    "application.enrolled": (*_APPLICATION, "direction", "enrollment", "reason"),  # reason: a code
    "application.tier_changed": _APPLICATION,
    "application.extended": (*_APPLICATION, "valid_until"),
    "application.stop_listed": (*_APPLICATION, "reason", "restore_on", "campaign", *_BASIS),  # reason: a code
    "application.restored": (*_APPLICATION, "reason", "by", *_BASIS),  # by: applicant | staff | system
    "application.withdrawn": (*_APPLICATION, "by", "document_sha256", *_BASIS),  # by: applicant | staff
    "application.applicant_changed": ("number", "access_request"),
    "benefit.decided": (*_APPLICATION, "decision", "document_sha256", *_BASIS),
    "queue_settings.changed": ("priority_ratio",),
    # placement
    "places.published": (
        *_PLACEMENT,
        "places",
        "cause",
        "priority_until",
        "holders",
        "age_on",
        "passed_over",
    ),
    "places.offer_moved": (*_PLACEMENT, "priority_until", "holders"),
    "direction.issued": (*_PLACEMENT, "application", "place", "publication", "by_right_of", *_DIRECTION),
    "direction.extended": (*_PLACEMENT, "valid_until"),
    "direction.declined": _PLACEMENT,
    "direction.expired": _PLACEMENT,
    "direction.benefit_confirmed": _PLACEMENT,
    "direction.revoked": (*_PLACEMENT, "reason"),  # reason: a code
    "direction.enrolled": (*_PLACEMENT, "enrolled_on", "enrollment"),
    "enrollment.departed": (*_PLACEMENT, "left_on"),
    "enrollment.staff_child": (*_PLACEMENT, "place", "applications", *_BASIS),
    "enrollment.transferred": (*_PLACEMENT, "to_group", "place", "closing", "capacity"),
    "group.capacity_changed": (*_PLACEMENT, "capacity", "withdrawn"),
    "group.closed": (*_PLACEMENT, "withdrawn"),
    "placement_settings.changed": _PLACEMENT_SETTINGS,
    "medical_indication.submitted": ("status", "indication_commitment"),
    "medical_indication.confirmed": ("status", "supersedes", "indication_commitment"),
    "medical_indication.rejected": ("status", "supersedes", "indication_commitment"),
    # facilities
    "organisation.created": ("bin", *_ORGANISATION, "fees"),
    "organisation.updated": (("changed", (*_ORGANISATION, "fees")),),
    "group.created": ("organisation", *_GROUP, "capacity", "academic_year"),
    "group.updated": ("organisation", ("changed", _GROUP)),
    # feedback, cabinet access
    "feedback.status_changed": ("status", "answered"),
    "access_request.submitted": ("status",),
    "access_request.first_approved": ("status", *_BASIS),
    "access_request.approved": ("status", "applications", *_BASIS),
    "access_request.rejected": ("status", "applications", *_BASIS),
    # confirmation campaigns
    "campaign.launched": (*_CAMPAIGN, "starts_at", "ends_at", "last_cohort"),
    "campaign.extended": (*_CAMPAIGN, "ends_at", "previous_ends_at"),
    "campaign.notified": (*_CAMPAIGN, "applicants"),  # a count
    "campaign.closed": (*_CAMPAIGN, "confirmed", "stop_listed"),  # counts
    "campaign.confirmed": _CAMPAIGN,
    # the child's file (E9): ids, dates, codes and a document's SHA-256 — never a name, a contract's
    # number or fee, a note, health data or a file name
    "record.opened": (*_RECORD, "group", "opened_on", "staff_child"),
    "record.contract_set": _RECORD,
    "record.document_added": (*_RECORD, "document", "kind", "sha256", "replaces"),
    "record.health_changed": _RECORD,
    "record.group_changed": (*_RECORD, "group", "since"),
    "record.closed": (*_RECORD, "closed_on", "reason"),  # reason: a code (DepartureReason)
    # attendance timesheet (E10–E19): a month's sheet by its hash and counts, never a child or a reason
    "teacher.assigned": (*_PLACEMENT, "since"),
    "teacher.unassigned": (*_PLACEMENT, "until"),
    "attendance.day_marked": (*_PLACEMENT, "day", "present", "absent"),  # counts
    "attendance.mark_changed": (*_PLACEMENT, "day"),
    "attendance.corrected": (*_PLACEMENT, "shown_in"),
    "closure.added": ("organisation", "group", "first_day", "last_day", "kind"),
    "timesheet.submitted": (*_PLACEMENT, *_TIMESHEET, "children", "marks", "present"),
    "timesheet.locked": (
        *_PLACEMENT,
        *_TIMESHEET,
        "children",
        "marks",
        "present",
        "approved",
        "disputed",
        "resolved",
        "unconfirmed",
        "submitted",
    ),
    "child_month.approved": (*_PLACEMENT, *_TIMESHEET),
    "child_month.disputed": (*_PLACEMENT, *_TIMESHEET, "days"),  # a count
    "dispute.resolved": (*_PLACEMENT, *_TIMESHEET, "resolution"),  # kept | corrected
    # funding (E20–E27): public money, no child data; `by` (a staff user id) stays private
    "funding.rate_set": _FUNDING_RATE,
    "funding.rate_amended": ("rate", "amount", "previous_amount", "decision_number"),
    "funding.terms_set": _FUNDING_TERMS,
    "funding.statements_calculated": ("month", "statements", "rows", "amount"),
    "funding.statement_frozen": _FUNDING_STATEMENT,
    "funding.month_frozen": ("month", "statements", "total", "sha256"),
    # vouchers (E38): numbers, dates and states only
    "voucher.issued": _VOUCHER,
    "voucher.confirmed": _VOUCHER,
    "voucher.refused": _VOUCHER,
    "voucher.lapsed": _VOUCHER,
    "voucher.restored": _VOUCHER,
    "voucher.extended": (*_VOUCHER, "days"),
    "voucher.waiting": _VOUCHER,
    "voucher.contract_signed": (*_VOUCHER, "group", "organisation"),
    # place exchange (E79): offers by their group and ranked kindergartens, never the child or the family
    "exchange_offer.made": (
        "offer",
        "status",
        "group",
        "organisation",
        "age_from",
        "age_to",
        "language",
        "kindergartens",
    ),
    "exchange_offer.withdrawn": ("offer", "status"),
    "exchange_offer.voided": ("offer", "status"),
    "exchange_round.run": ("round", "week", "run", "offers", "exchanges", "cycles_by_length"),
    "exchange.proposed": (*_EXCHANGE, "run", "length", "accept_until", "moves"),
    "exchange.decided": (*_EXCHANGE, "organisation", "decision"),
    "exchange.dropped": (*_EXCHANGE, "reason", "offers"),
    "exchange.completed": (*_EXCHANGE, "offers"),
    # development monitoring (E47): a card by its salted hash and a count — never a child, an enrolment
    # or a level
    "monitoring.card_saved": (*_MONITORING, "sha256", "marks"),
    "monitoring.point_locked": (*_MONITORING, "cards", "cards_sha256"),
    "monitoring.dates_set": ("school_year", "period", "first_day", "last_day"),
    # transfer to school (E67): ids, states, dates and the package's SHA-256 — never the school's name,
    # the child, the package or a staff user id
    "school_transfer.consented": _SCHOOL_TRANSFER,
    "school_transfer.package_issued": (*_SCHOOL_TRANSFER, "sha256"),
    "school_transfer.received": _SCHOOL_TRANSFER,
    "school_transfer.completed": (*_SCHOOL_TRANSFER, "left_on", "applications"),
    "school_transfer.resigned": (*_SCHOOL_TRANSFER, "left_on"),
    "application.archived": (*_APPLICATION, "reason"),  # reason: a code
    # infection control (E58): a group's quarantine and its days only — never a child, a staff member, the
    # infection, a date of a case or a count of contacts
    "infection.case_recorded": ("organisation", "quarantines"),
    "quarantine.set": (*_QUARANTINE, "first_day"),
    "quarantine.extended": (*_QUARANTINE, "previous_last_day"),
    "quarantine.ended": (*_QUARANTINE, "by"),  # by: "system"
}

# Subject types whose ids are public (numbers of applications, directions, groups…); any other subject's
# id is left out of the form.
PUBLIC_SUBJECTS = frozenset(
    {
        "application", "direction", "publication", "enrollment", "group", "organisation", "locality",
        "access_request", "medical_indication", "campaign", "feedback", "child_file", "timesheet",
        "funding_rate", "funding_terms", "funding_statement",
        "voucher", "exchange_offer", "exchange_round", "exchange", "monitoring_point", "school_transfer",
        "quarantine",
    }
)  # fmt: skip


class EventLike(Protocol):
    seq: int
    kind: str
    occurred_at: dt.datetime
    subject_type: str
    subject_id: str
    locality_code: str
    payload: Any


def public_time(moment: dt.datetime) -> str:
    """UTC, ISO 8601 with milliseconds and a 'Z': `2026-12-07T05:00:00.123Z`."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def public_data(kind: str, payload: Mapping[str, Any]) -> dict[str, Any]:
    """The payload's public keys for `kind` (those present), changes' dicts filtered to their public keys."""
    data: dict[str, Any] = {}
    for key in PUBLIC_KEYS.get(kind, ()):
        if isinstance(key, tuple):
            name, allowed = key
            value = payload.get(name)
            if isinstance(value, Mapping):
                data[name] = {k: v for k, v in value.items() if k in allowed}
        elif key in payload and (key != "by" or isinstance(payload[key], str)):  # a role code, never an id
            data[key] = payload[key]
    return data


def public_form_of(
    *,
    seq: int,
    kind: str,
    occurred_at: dt.datetime,
    subject_type: str,
    subject_id: str,
    locality_code: str,
    payload: Mapping[str, Any],
) -> bytes:
    """`public_form` from the event's fields (what the integration reads in bulk)."""
    form = {
        "v": FORM_VERSION,
        "seq": seq,
        "kind": kind,
        "occurred_at": public_time(occurred_at),
        "subject_type": subject_type,
        "subject_id": subject_id if subject_type in PUBLIC_SUBJECTS else "",
        "locality": locality_code,
        "data": public_data(kind, payload if isinstance(payload, Mapping) else {}),
    }
    return canonical_json(form).encode()


def public_form(event: EventLike) -> bytes:
    """The canonical JSON of the public projection of one ledger event: the log's leaf data."""
    return public_form_of(
        seq=event.seq,
        kind=event.kind,
        occurred_at=event.occurred_at,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        locality_code=event.locality_code,
        payload=event.payload,
    )
