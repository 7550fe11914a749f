"""Replaying the ledger: the state its events imply, built by pure rules (no ORM, no clock).

`replay(events)` folds events, in chain order, into a `State` of plain dicts keyed by object id; each
rule takes the state and one `Event` and changes only the state. The rules read only the payload and the
event's envelope, so an independent verifier (the next issue) can reuse them on a published copy of the
ledger. A rule tolerates extra payload fields (services add evidence to their events); a field an old
event lacks is replayed as None ("not recorded"), which the diff does not compare.

Application rows are lists indexed by the A_* constants, directions by D_*, and so on: compact enough for
a million applications (see bench/integrity_check.py).
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
MILLISECOND = dt.timedelta(milliseconds=1)


class Event(NamedTuple):
    """What a rule reads of a ledger event."""

    seq: int
    kind: str
    subject_type: str
    subject_id: str
    locality_code: str
    payload: Mapping[str, Any]
    occurred_at: dt.datetime


def moment_ms(value: str | dt.datetime | None) -> int | None:
    """A moment as whole milliseconds since the epoch: the ledger's JSON keeps milliseconds (ISO 8601
    with any offset), the live tables microseconds; both compare equal after this."""
    if value is None:
        return None
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return (moment - EPOCH) // MILLISECOND


def day(value: str | dt.date | None) -> str | None:
    """A date as ISO text (the ledger's spelling)."""
    if value is None or isinstance(value, str):
        return value
    return value.isoformat()


# Application: [status, tier, cohort, ordinal, registered_at (ms), valid_until (ISO), locality code,
#               applicant id, child digest, open stop-listing reason (None when not stop-listed),
#               the published birth-date commitment's first 64 bits (hex; None when it published none)]
(
    A_STATUS, A_TIER, A_COHORT, A_ORDINAL, A_REGISTERED, A_VALID, A_LOCALITY, A_APPLICANT, A_CHILD, A_STOP,
    A_COMMITMENT,
) = range(11)  # fmt: skip
APPLICATION_FIELDS = (
    "status", "tier", "cohort", "ordinal", "registered_at", "valid_until", "locality", "applicant", "child",
    "stop_list", "commitment",
)  # fmt: skip
COMMITMENT_HEX = 16  # A1: the first 64 bits of a birth-date commitment tell an edit apart
# Direction: [application, place, group, state, valid_until (ms), extensions]
D_APPLICATION, D_PLACE, D_GROUP, D_STATE, D_VALID, D_EXTENSIONS = range(6)
DIRECTION_FIELDS = ("application", "place", "group", "state", "valid_until", "extensions")
# Publication: [group, place ids (tuple), priority_until (ms), holder application ids (tuple)]
P_GROUP, P_PLACES, P_UNTIL, P_HOLDERS = range(4)
PUBLICATION_FIELDS = ("group", "places", "priority_until", "holders")
# Enrolment: [group, direction (None: outside the queue), left_on (ISO, "" while enrolled), staff child]
E_GROUP, E_DIRECTION, E_LEFT, E_STAFF_CHILD = range(4)
ENROLLMENT_FIELDS = ("group", "direction", "left_on", "staff_child")
# Group: [capacity, active]
G_CAPACITY, G_ACTIVE = range(2)
GROUP_FIELDS = ("capacity", "active")
# Child's file (E9): [enrollment, status, contract (number, date, fee) or None, health digest or None,
#                    groups of its stays in order (tuple)]
F_ENROLLMENT, F_STATUS, F_CONTRACT, F_HEALTH, F_STAYS = range(5)
FILE_FIELDS = ("enrollment", "status", "contract", "health", "stays")
# Document of a file: [file, kind, sha256]
DOC_FILE, DOC_KIND, DOC_SHA256 = range(3)
DOCUMENT_FIELDS = ("file", "kind", "sha256")

# Infection case (E58): [infection code, person digest, child contacts, staff contacts]
CASE_FIELDS = ("infection", "person", "children", "staff")
# Quarantine (E58): [group, infection code, first day (ISO), last day (ISO), ended]
Q_GROUP, Q_INFECTION, Q_FIRST, Q_LAST, Q_ENDED = range(5)
QUARANTINE_FIELDS = ("group", "infection", "first_day", "last_day", "ended")

LIVE_DIRECTION = ("benefit_confirmation", "awaiting_enrollment")
# Voucher (E38): [application, state, confirm_until (ms), contract_until (ms), waiting organisation,
#                 direction]
V_APPLICATION, V_STATE, V_CONFIRM, V_CONTRACT, V_WAITING, V_DIRECTION = range(6)
VOUCHER_FIELDS = (
    "application",
    "state",
    "confirm_until",
    "contract_until",
    "waiting_organisation",
    "direction",
)


@dataclass
class State:
    """The state the ledger implies. `anomalies` are events the rules could not apply (e.g. about an
    application the ledger never registered): each is a finding of its own."""

    applications: dict[int, list[Any]] = field(default_factory=dict)
    directions: dict[int, list[Any]] = field(default_factory=dict)
    places: dict[int, str] = field(default_factory=dict)  # place id → status
    place_publication: dict[int, int] = field(default_factory=dict)  # place id → its publication
    live: dict[int, int] = field(default_factory=dict)  # application id → its live direction (P4: one)
    claims: dict[tuple[int, str], str] = field(default_factory=dict)  # (application, category) → decision
    publications: dict[int, list[Any]] = field(default_factory=dict)
    enrollments: dict[int, list[Any]] = field(default_factory=dict)
    groups: dict[int, list[Any]] = field(default_factory=dict)
    queue_settings: dict[str, dict[str, Any]] = field(default_factory=dict)  # locality code → values
    placement_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[int, list[Any]] = field(default_factory=dict)  # children's files (kezek.records)
    documents: dict[int, list[Any]] = field(default_factory=dict)
    timesheets: dict[int, list[Any]] = field(default_factory=dict)  # id → [group, month, state, sha256]
    vouchers: dict[int, list[Any]] = field(default_factory=dict)
    infection_cases: dict[int, list[Any]] = field(default_factory=dict)
    quarantines: dict[int, list[Any]] = field(default_factory=dict)
    anomalies: list[tuple[int, str, str]] = field(default_factory=list)  # (seq, object, what)
    # D1: the acts with a written basis — (seq, kind, subject type, subject id, basis hash)
    bases: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    events: int = 0


Rule = Callable[[State, Event], None]


def _application(state: State, event: Event) -> list[Any] | None:
    row = state.applications.get(int(event.subject_id))
    if row is None:
        state.anomalies.append(
            (event.seq, f"application {event.subject_id}", f"{event.kind} before registration")
        )
        return None
    payload = event.payload
    if "status" in payload:
        row[A_STATUS] = payload["status"]
    if "tier" in payload:
        row[A_TIER] = payload["tier"]
    return row


def _direction(state: State, event: Event) -> list[Any] | None:
    row = state.directions.get(int(event.subject_id))
    if row is None:
        state.anomalies.append((event.seq, f"direction {event.subject_id}", f"{event.kind} before issue"))
    return row


def _enrollment(state: State, event: Event) -> list[Any] | None:
    row = state.enrollments.get(int(event.subject_id))
    if row is None:
        state.anomalies.append((event.seq, f"enrolment {event.subject_id}", f"{event.kind} before enrolment"))
    return row


def _group(state: State, event: Event, group: int) -> list[Any] | None:
    row = state.groups.get(group)
    if row is None:
        state.anomalies.append((event.seq, f"group {group}", f"{event.kind} before creation"))
    return row


def _new(state: State, event: Event, rows: dict[int, Any], pk: int) -> bool:
    """A creation event: False (and an anomaly) when `pk` exists already — a duplicated event."""
    if pk in rows:
        state.anomalies.append((event.seq, f"{event.subject_type} {pk}", f"{event.kind} twice"))
        return False
    return True


def _later(state: State, event: Event, before: Any, after: Any) -> bool:
    """An extension moves a date forward: False (and an anomaly) otherwise — e.g. a duplicated event."""
    if before is not None and after is not None and after <= before:
        state.anomalies.append(
            (event.seq, f"{event.subject_type} {event.subject_id}", f"{event.kind} does not extend")
        )
        return False
    return True


def _place(state: State, place: int | None, status: str, *, only_from: str | None = None) -> None:
    if place is None:
        return
    if only_from is None or state.places.get(place) == only_from:
        state.places[place] = status


# --- applications (waitlist, cabinet) -------------------------------------------------------------


def application_registered(state: State, event: Event) -> None:
    p = event.payload
    if not _new(state, event, state.applications, int(event.subject_id)):
        return
    state.applications[int(event.subject_id)] = [
        p["status"], p["tier"], p["cohort"], p["ordinal"], moment_ms(p["registered_at"]),
        day(p["valid_until"]), event.locality_code, p.get("applicant"), p.get("child"), None,
        p["birth_commitment"][:COMMITMENT_HEX] if p.get("birth_commitment") else None,
    ]  # fmt: skip


def application_changed(state: State, event: Event) -> None:
    """Status and tier as the event states them (every application event carries both)."""
    _application(state, event)


def benefit_decided(state: State, event: Event) -> None:
    """Q5: a documented benefit claim is pending until this decision (a registry benefit is confirmed at
    registration, with no decision)."""
    if _application(state, event) is not None:
        state.claims[(int(event.subject_id), event.payload["category"])] = event.payload["decision"]


def application_extended(state: State, event: Event) -> None:
    row = _application(state, event)
    if row is not None and _later(state, event, row[A_VALID], day(event.payload["valid_until"])):
        row[A_VALID] = day(event.payload["valid_until"])


def application_stop_listed(state: State, event: Event) -> None:
    row = _application(state, event)
    if row is not None:
        row[A_STOP] = event.payload["reason"]


def application_stop_list_ended(state: State, event: Event) -> None:
    """Restored, withdrawn or enrolled: any open stop-listing ends with it."""
    row = _application(state, event)
    if row is not None:
        row[A_STOP] = None


def application_applicant_changed(state: State, event: Event) -> None:
    row = _application(state, event)
    if row is not None:
        row[A_APPLICANT] = event.payload.get("applicant")  # None: an event of before it was recorded


# --- places and directions (placement) ------------------------------------------------------------


def places_published(state: State, event: Event) -> None:
    p = event.payload
    places = tuple(p["places"])
    if not _new(state, event, state.publications, int(event.subject_id)):
        return
    state.publications[int(event.subject_id)] = [
        p["group"],
        places,
        moment_ms(p["priority_until"]),
        tuple(p["holders"]),
    ]
    for place in places:
        state.places[place] = "open"
        state.place_publication[place] = int(event.subject_id)


def places_offer_moved(state: State, event: Event) -> None:
    row = state.publications.get(int(event.subject_id))
    if row is None:
        state.anomalies.append(
            (event.seq, f"publication {event.subject_id}", "offer moved before publication")
        )
        return
    row[P_UNTIL] = moment_ms(event.payload["priority_until"])
    row[P_HOLDERS] = row[P_HOLDERS] + tuple(event.payload["holders"])


def direction_issued(state: State, event: Event) -> None:
    """P2: inside its publication's priority window a place goes only to a holder (or, P6, a twin or
    sibling taking with one: `by_right_of`). Events of before the take was recorded carry no taker."""
    p = event.payload
    taker = p.get("by_right_of")
    publication = state.publications.get(state.place_publication.get(p["place"], 0))
    at = moment_ms(event.occurred_at)
    if (
        taker is not None
        and publication is not None
        and at is not None
        and at < publication[P_UNTIL]
        and taker not in publication[P_HOLDERS]
    ):
        state.anomalies.append(
            (event.seq, f"direction {event.subject_id}", "a place taken inside its window by a non-holder")
        )
    if not _new(state, event, state.directions, int(event.subject_id)):
        return
    if p["application"] in state.live:
        state.anomalies.append(
            (event.seq, f"direction {event.subject_id}", "a second live direction for one application")
        )
    state.live[p["application"]] = int(event.subject_id)
    state.directions[int(event.subject_id)] = [
        p["application"], p["place"], p["group"], p["state"], moment_ms(p["valid_until"]), 0,
    ]  # fmt: skip
    _place(state, p["place"], "taken")


def direction_extended(state: State, event: Event) -> None:
    row = _direction(state, event)
    if row is not None and _later(state, event, row[D_VALID], moment_ms(event.payload["valid_until"])):
        row[D_VALID] = moment_ms(event.payload["valid_until"])
        row[D_EXTENSIONS] += 1


def _direction_closed(state: State, event: Event, direction_state: str) -> None:
    row = _direction(state, event)
    if row is not None and row[D_STATE] not in LIVE_DIRECTION:
        state.anomalies.append((event.seq, f"direction {event.subject_id}", f"{event.kind} of a closed one"))
    elif row is not None:
        row[D_STATE] = direction_state
        state.live.pop(row[D_APPLICATION], None)
        _place(state, row[D_PLACE], "released", only_from="taken")


def direction_declined(state: State, event: Event) -> None:
    _direction_closed(state, event, "declined")


def direction_expired(state: State, event: Event) -> None:
    _direction_closed(state, event, "expired")


def direction_revoked(state: State, event: Event) -> None:
    _direction_closed(state, event, "revoked")


def direction_benefit_confirmed(state: State, event: Event) -> None:
    row = _direction(state, event)
    if row is not None:
        row[D_STATE] = "awaiting_enrollment"


def direction_enrolled(state: State, event: Event) -> None:
    row = _direction(state, event)
    if row is None:
        return
    if row[D_STATE] not in LIVE_DIRECTION:
        state.anomalies.append((event.seq, f"direction {event.subject_id}", f"{event.kind} of a closed one"))
        return
    row[D_STATE] = "enrolled"
    state.live.pop(row[D_APPLICATION], None)
    _place(state, row[D_PLACE], "filled")
    enrollment = event.payload.get("enrollment")
    if enrollment is not None:
        state.enrollments[enrollment] = [row[D_GROUP], int(event.subject_id), "", False]


def enrollment_staff_child(state: State, event: Event) -> None:
    p = event.payload
    state.enrollments[int(event.subject_id)] = [p["group"], None, "", True]
    _place(state, p.get("place"), "filled")


def enrollment_departed(state: State, event: Event) -> None:
    row = _enrollment(state, event)
    if row is not None and row[E_LEFT]:
        state.anomalies.append((event.seq, f"enrolment {event.subject_id}", "departed twice"))
    elif row is not None:
        row[E_LEFT] = day(event.payload["left_on"])


def enrollment_transferred(state: State, event: Event) -> None:
    p = event.payload
    row = _enrollment(state, event)
    if row is not None:
        row[E_GROUP] = p["to_group"]
    _place(state, p.get("place"), "filled")
    if p.get("closing"):
        group = _group(state, event, p["group"])
        if group is not None:
            group[G_CAPACITY] = p["capacity"]


# --- groups and the locality's settings ------------------------------------------------------------


def group_created(state: State, event: Event) -> None:
    if not _new(state, event, state.groups, int(event.subject_id)):
        return
    state.groups[int(event.subject_id)] = [event.payload["capacity"], True]


def group_capacity_changed(state: State, event: Event) -> None:
    p = event.payload
    group = _group(state, event, int(event.subject_id))
    if group is not None:
        group[G_CAPACITY] = p["capacity"][1]
    for place in p["withdrawn"]:
        _place(state, place, "withdrawn", only_from="open")


def group_closed(state: State, event: Event) -> None:
    group = _group(state, event, int(event.subject_id))
    if group is not None:
        group[G_ACTIVE] = False
    for place in event.payload["withdrawn"]:
        _place(state, place, "withdrawn", only_from="open")


def queue_settings_changed(state: State, event: Event) -> None:
    state.queue_settings.setdefault(event.subject_id, {})["priority_ratio"] = event.payload["priority_ratio"]


PLACEMENT_SETTING_NAMES = (
    "distribution_policy", "priority_days", "priority_hour", "age_reference", "direction_working_days",
    "direction_max_days",
)  # fmt: skip


def placement_settings_changed(state: State, event: Event) -> None:
    values = state.placement_settings.setdefault(event.subject_id, {})
    values.update({name: event.payload[name] for name in PLACEMENT_SETTING_NAMES if name in event.payload})


def _file(state: State, event: Event) -> list[Any] | None:
    row = state.files.get(int(event.subject_id))
    if row is None:
        state.anomalies.append((event.seq, f"child file {event.subject_id}", f"{event.kind} before opening"))
    elif row[F_STATUS] != "open":
        state.anomalies.append(
            (event.seq, f"child file {event.subject_id}", f"{event.kind} of a closed file")
        )
    return row


def record_opened(state: State, event: Event) -> None:
    pk = int(event.subject_id)
    if _new(state, event, state.files, pk):
        state.files[pk] = [event.payload["enrollment"], "open", None, None, (event.payload["group"],)]


def record_contract_set(state: State, event: Event) -> None:
    row = _file(state, event)
    if row is not None:
        p = event.payload
        row[F_CONTRACT] = (p["contract_number"], day(p["contract_date"]), str(p["monthly_fee"]))


def record_document_added(state: State, event: Event) -> None:
    if _file(state, event) is not None and _new(
        state, event, state.documents, int(event.payload["document"])
    ):
        state.documents[int(event.payload["document"])] = [
            int(event.subject_id),
            event.payload["kind"],
            event.payload["sha256"],
        ]


def record_health_changed(state: State, event: Event) -> None:
    row = _file(state, event)
    if row is not None:
        row[F_HEALTH] = event.payload["digest"]


def record_group_changed(state: State, event: Event) -> None:
    row = _file(state, event)
    if row is not None:
        row[F_STAYS] = (*row[F_STAYS], event.payload["group"])


def record_closed(state: State, event: Event) -> None:
    row = _file(state, event)
    if row is not None:
        row[F_STATUS] = "closed"


# --- attendance timesheets (E15) ----------------------------------------------------------------------


def timesheet_submitted(state: State, event: Event) -> None:
    p = event.payload
    if _new(state, event, state.timesheets, int(event.subject_id)):
        state.timesheets[int(event.subject_id)] = [
            p["group"],
            day(p["month"]),
            "submitted",
            p["sheet_sha256"],
        ]


def timesheet_locked(state: State, event: Event) -> None:
    """A month locked on day 8: its sheet's hash is the submitted one (a change in between is an anomaly);
    a month the head never submitted is frozen by the lock itself."""
    p, pk = event.payload, int(event.subject_id)
    row = state.timesheets.get(pk)
    if row is None:
        state.timesheets[pk] = [p["group"], day(p["month"]), "locked", p["sheet_sha256"]]
        return
    if row[2] == "locked":
        state.anomalies.append((event.seq, f"timesheet {pk}", f"{event.kind} twice"))
    elif row[3] != p["sheet_sha256"]:
        state.anomalies.append((event.seq, f"timesheet {pk}", "sheet changed between submission and lock"))
    row[2] = "locked"


def timesheet_answered(state: State, event: Event) -> None:
    """A parent's answer or a resolution names the sheet it was given: the month's frozen sheet."""
    pk = int(event.payload["timesheet"])
    row = state.timesheets.get(pk)
    if row is None:
        state.anomalies.append((event.seq, f"timesheet {pk}", f"{event.kind} before submission"))
    elif row[3] != event.payload["sheet_sha256"]:
        state.anomalies.append((event.seq, f"timesheet {pk}", f"{event.kind} names another sheet"))


# --- vouchers (E38) ---------------------------------------------------------------------------------


def voucher_issued(state: State, event: Event) -> None:
    if _new(state, event, state.vouchers, int(event.subject_id)):
        state.vouchers[int(event.subject_id)] = [event.payload["application"], None, None, None, None, None]
        voucher_changed(state, event)


def voucher_changed(state: State, event: Event) -> None:
    """Every voucher event states the voucher as it is after the act."""
    row = state.vouchers.get(int(event.subject_id))
    if row is None:
        state.anomalies.append((event.seq, f"voucher {event.subject_id}", f"{event.kind} before issue"))
        return
    p = event.payload
    row[V_STATE] = p["state"]
    row[V_CONFIRM] = moment_ms(p.get("confirm_until"))
    # A voucher's events always state every field: "none" is recorded (-1 / 0), so the diff compares it.
    row[V_CONTRACT] = moment_ms(p.get("contract_until")) or -1
    row[V_WAITING] = p.get("waiting_organisation") or 0
    row[V_DIRECTION] = p.get("direction") or 0


# --- infection control (E58) ------------------------------------------------------------------------


def infection_case_recorded(state: State, event: Event) -> None:
    p, pk = event.payload, int(event.subject_id)
    if _new(state, event, state.infection_cases, pk):
        state.infection_cases[pk] = [p["infection"], p["person"], p["children"], p["staff"]]


def quarantine_set(state: State, event: Event) -> None:
    p, pk = event.payload, int(event.subject_id)
    if _new(state, event, state.quarantines, pk):
        state.quarantines[pk] = [p["group"], p["infection"], day(p["first_day"]), day(p["last_day"]), False]


def _quarantine(state: State, event: Event) -> list[Any] | None:
    row = state.quarantines.get(int(event.subject_id))
    if row is None:
        state.anomalies.append(
            (event.seq, f"quarantine {event.subject_id}", f"{event.kind} before it was set")
        )
    elif row[Q_ENDED]:
        state.anomalies.append((event.seq, f"quarantine {event.subject_id}", f"{event.kind} after its end"))
        return None
    return row


def quarantine_extended(state: State, event: Event) -> None:
    """A new case moves the last day forward, never back (E53)."""
    row = _quarantine(state, event)
    if row is not None and _later(state, event, row[Q_LAST], day(event.payload["last_day"])):
        row[Q_LAST] = day(event.payload["last_day"])


def quarantine_ended(state: State, event: Event) -> None:
    row = _quarantine(state, event)
    if row is not None:
        row[Q_ENDED] = True


def recorded_only(state: State, event: Event) -> None:
    """An event that changes nothing this check compares (organisations' passports, group labels,
    complaints, access requests, campaigns, medical indications): it is on the chain, verified by its hash."""


RULES: dict[str, Rule] = {
    "application.registered": application_registered,
    "application.referred": application_changed,
    "application.returned": application_changed,
    "application.tier_changed": application_changed,
    "benefit.decided": benefit_decided,
    "application.extended": application_extended,
    "application.stop_listed": application_stop_listed,
    "application.restored": application_stop_list_ended,
    "application.withdrawn": application_stop_list_ended,
    "application.enrolled": application_stop_list_ended,
    "application.applicant_changed": application_applicant_changed,
    "places.published": places_published,
    "places.offer_moved": places_offer_moved,
    "direction.issued": direction_issued,
    "direction.extended": direction_extended,
    "direction.declined": direction_declined,
    "direction.expired": direction_expired,
    "direction.revoked": direction_revoked,
    "direction.benefit_confirmed": direction_benefit_confirmed,
    "direction.enrolled": direction_enrolled,
    "enrollment.staff_child": enrollment_staff_child,
    "enrollment.departed": enrollment_departed,
    "enrollment.transferred": enrollment_transferred,
    "group.created": group_created,
    "group.capacity_changed": group_capacity_changed,
    "group.closed": group_closed,
    "queue_settings.changed": queue_settings_changed,
    "placement_settings.changed": placement_settings_changed,
    "group.updated": recorded_only,
    "organisation.created": recorded_only,
    "organisation.updated": recorded_only,
    "feedback.status_changed": recorded_only,
    "access_request.submitted": recorded_only,
    "access_request.first_approved": recorded_only,
    "access_request.approved": recorded_only,
    "access_request.rejected": recorded_only,
    "campaign.launched": recorded_only,
    "campaign.extended": recorded_only,
    "campaign.notified": recorded_only,
    "campaign.closed": recorded_only,
    "campaign.confirmed": recorded_only,
    "medical_indication.submitted": recorded_only,
    "medical_indication.confirmed": recorded_only,
    "medical_indication.rejected": recorded_only,
    "record.opened": record_opened,
    "record.contract_set": record_contract_set,
    "record.document_added": record_document_added,
    "record.health_changed": record_health_changed,
    "record.group_changed": record_group_changed,
    "record.closed": record_closed,
    "timesheet.submitted": timesheet_submitted,
    "timesheet.locked": timesheet_locked,
    "child_month.approved": timesheet_answered,
    "child_month.disputed": timesheet_answered,
    "dispute.resolved": timesheet_answered,
    "teacher.assigned": recorded_only,
    "teacher.unassigned": recorded_only,
    "attendance.day_marked": recorded_only,
    "attendance.mark_changed": recorded_only,
    "attendance.corrected": recorded_only,
    "closure.added": recorded_only,
    # funding (E28): replayed and diffed by `kezek.funding.integrity`, which reads its own events
    "funding.rate_set": recorded_only,
    "funding.rate_amended": recorded_only,
    "funding.terms_set": recorded_only,
    "funding.statements_calculated": recorded_only,
    "funding.statement_frozen": recorded_only,
    "funding.month_frozen": recorded_only,
    "voucher.issued": voucher_issued,
    "voucher.confirmed": voucher_changed,
    "voucher.refused": voucher_changed,
    "voucher.lapsed": voucher_changed,
    "voucher.restored": voucher_changed,
    "voucher.extended": voucher_changed,
    "voucher.waiting": voucher_changed,
    "voucher.contract_signed": voucher_changed,
    "infection.case_recorded": infection_case_recorded,
    "quarantine.set": quarantine_set,
    "quarantine.extended": quarantine_extended,
    "quarantine.ended": quarantine_ended,
}


def replay_event(state: State, event: Event) -> None:
    """Apply one event; an unknown kind, or a payload a rule cannot read, is an anomaly (never a crash)."""
    state.events += 1
    rule = RULES.get(event.kind)
    if rule is None:
        state.anomalies.append((event.seq, event.kind, "no replay rule for this kind"))
        return
    try:
        rule(state, event)
        basis = event.payload.get("basis_hash")
        if basis is not None:
            state.bases.append((event.seq, event.kind, event.subject_type, event.subject_id, basis))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        state.anomalies.append(
            (event.seq, f"{event.subject_type} {event.subject_id}", f"unreadable {event.kind}: {exc!r}")
        )


def replay(events: Iterable[Event], state: State | None = None) -> State:
    """Fold `events` (in chain order) into a state."""
    state = state if state is not None else State()
    for event in events:
        replay_event(state, event)
    return state
