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
# Group: [capacity, active, organisation, name, language, kind, age_from, age_to, academic_year]
G_CAPACITY, G_ACTIVE = range(2)
GROUP_PASSPORT = (
    "organisation", "name", "language", "kind", "age_from", "age_to", "academic_year", "stay_mode",
)  # fmt: skip
# What a `group.created` event written before a field joined its payload implies: the model's default then
# (a group's stay mode, E20, could not be set before it was on the ledger).
GROUP_PASSPORT_BEFORE = {"stay_mode": "full_day"}
GROUP_FIELDS = ("capacity", "active", *GROUP_PASSPORT)
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
# Place exchange (E79): offer [status, group, enrolment]; exchange [round, status, length]; round [week, runs]
XO_STATUS, XO_GROUP, XO_ENROLLMENT = range(3)
EXCHANGE_OFFER_FIELDS = ("status", "group", "enrollment")
X_ROUND, X_STATUS, X_LENGTH = range(3)
EXCHANGE_FIELDS = ("round", "status", "length")
EXCHANGE_ROUND_FIELDS = ("week", "runs")
# A1: the department's and the kindergartens' other records.
# Medical indication (P3): [application, issued_on, valid_until, status, decided_by]
MI_APPLICATION, MI_ISSUED, MI_VALID, MI_STATUS, MI_DECIDED_BY = range(5)
INDICATION_FIELDS = ("application", "issued_on", "valid_until", "status", "decided_by")
# Campaign (C1–C4): [locality, year, starts_at (ms), ends_at (ms), launched_by, notified_count (None
#                    until notified), notified, stop_listed_count, swept, responses (a count)]
(
    C_LOCALITY, C_YEAR, C_STARTS, C_ENDS, C_LAUNCHED_BY, C_NOTIFIED_COUNT, C_NOTIFIED, C_STOP_LISTED, C_SWEPT,
    C_RESPONSES,
) = range(10)  # fmt: skip
CAMPAIGN_FIELDS = (
    "locality", "year", "starts_at", "ends_at", "launched_by", "notified_count", "notified",
    "stop_listed_count", "swept", "responses",
)  # fmt: skip
# Access request (D2): [status, first approver (0: none), decider (0: none)]
AR_STATUS, AR_FIRST, AR_DECIDED_BY = range(3)
ACCESS_REQUEST_FIELDS = ("status", "first_approved_by", "decided_by")
# Teacher assignment (E10): [profile, group, since, until ("" while open)]
TA_PROFILE, TA_GROUP, TA_SINCE, TA_UNTIL = range(4)
ASSIGNMENT_FIELDS = ("profile", "group", "since", "until")
# Message to the department: [status, answered]; one no event names is new and unanswered
FEEDBACK_FIELDS = ("status", "answered")
FEEDBACK_RECEIVED = ["new", False]
# Closure (E12): [organisation, group (0: the whole kindergarten), first_day, last_day, kind, created_by]
CLOSURE_FIELDS = ("organisation", "group", "first_day", "last_day", "kind", "created_by")
# Organisation: its passport as the ledger last stated it ({field: JSON value}; `bin`, `locality` and
# `fees` too); a field no event stated is absent (organisations loaded in bulk before the ledger).
ORGANISATION_FIELDS = (
    "bin", "locality", "name_kk", "name_ru", "kind", "ownership", "address", "phone", "website", "email",
    "work_week", "opens_at", "closes_at", "duty_group", "extra_equipment", "fees",
)  # fmt: skip
# Transfer to school (E67): [file, state, package sha256 ("" before the package)]
ST_FILE, ST_STATE, ST_SHA256 = range(3)
SCHOOL_TRANSFER_FIELDS = ("file", "state", "sha256")
SCHOOL_TRANSFER_ENDED = ("completed", "resigned")


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
    exchange_offers: dict[int, list[Any]] = field(default_factory=dict)  # E79
    exchanges: dict[int, list[Any]] = field(default_factory=dict)
    exchange_rounds: dict[int, list[Any]] = field(default_factory=dict)
    indications: dict[int, list[Any]] = field(default_factory=dict)
    campaigns: dict[int, list[Any]] = field(default_factory=dict)
    # (campaign, applicant) of each answer whose event names its applicant (events since A1's extension)
    responses: set[tuple[int, int]] = field(default_factory=set)
    access_requests: dict[int, list[Any]] = field(default_factory=dict)
    organisations: dict[int, dict[str, Any]] = field(default_factory=dict)
    assignments: dict[int, list[Any]] = field(default_factory=dict)
    closures: dict[int, list[Any]] = field(default_factory=dict)
    feedback: dict[int, list[Any]] = field(default_factory=dict)
    # development monitoring (E47): card id → [point, sha256]; point id → [group, period, state, cards
    # sha256 or None]; "locality:school year:period" → [first day, last day]
    monitoring_cards: dict[int, list[Any]] = field(default_factory=dict)
    monitoring_points: dict[int, list[Any]] = field(default_factory=dict)
    monitoring_dates: dict[str, list[Any]] = field(default_factory=dict)
    school_transfers: dict[int, list[Any]] = field(default_factory=dict)
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
    """A campaign's sweep (C4) names its campaign: the campaign's count of stop-listings grows by one."""
    row = _application(state, event)
    if row is not None:
        row[A_STOP] = event.payload["reason"]
    campaign = event.payload.get("campaign")
    if campaign is not None:
        found = _campaign(state, event, int(campaign))
        if found is not None:
            found[C_STOP_LISTED] += 1


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
    p = event.payload
    state.groups[int(event.subject_id)] = [
        p["capacity"], True, *(p.get(name, GROUP_PASSPORT_BEFORE.get(name)) for name in GROUP_PASSPORT)
    ]  # fmt: skip


def group_updated(state: State, event: Event) -> None:
    """A1: a group's name, language, kind or ages: the new value of each field that changed."""
    group = _group(state, event, int(event.subject_id))
    if group is not None:
        for name, (_old, new) in event.payload["changed"].items():
            if name in GROUP_PASSPORT:
                group[GROUP_FIELDS.index(name)] = new


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


# --- place exchange (E79) -----------------------------------------------------------------------------


def exchange_offer_made(state: State, event: Event) -> None:
    p = event.payload
    if _new(state, event, state.exchange_offers, int(event.subject_id)):
        state.exchange_offers[int(event.subject_id)] = [p["status"], p["group"], p["enrollment"]]


def _exchange_offers_set(state: State, event: Event, offers: Iterable[int], status: str) -> None:
    for pk in offers:
        row = state.exchange_offers.get(pk)
        if row is None:
            state.anomalies.append((event.seq, f"exchange offer {pk}", f"{event.kind} before the offer"))
        else:
            row[XO_STATUS] = status


def exchange_offer_closed(state: State, event: Event) -> None:
    _exchange_offers_set(state, event, [int(event.subject_id)], event.payload["status"])


def exchange_round_run(state: State, event: Event) -> None:
    """A round's first run creates it; each re-run (E75) counts."""
    p = event.payload
    state.exchange_rounds[int(event.subject_id)] = [day(p["week"]), p["run"]]


def exchange_proposed(state: State, event: Event) -> None:
    p, pk = event.payload, int(event.subject_id)
    if _new(state, event, state.exchanges, pk):
        state.exchanges[pk] = [p["round"], p["status"], p["length"]]
        _exchange_offers_set(state, event, [move[0] for move in p["moves"]], "proposed")


def _exchange(state: State, event: Event) -> list[Any] | None:
    row = state.exchanges.get(int(event.subject_id))
    if row is None:
        state.anomalies.append((event.seq, f"exchange {event.subject_id}", f"{event.kind} before proposal"))
    elif row[X_STATUS] != "proposed":
        state.anomalies.append(
            (event.seq, f"exchange {event.subject_id}", f"{event.kind} when {row[X_STATUS]}")
        )
        return None
    return row


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


def exchange_decided(state: State, event: Event) -> None:
    _exchange(state, event)


def exchange_closed(state: State, event: Event) -> None:
    """Dropped (its offers wait again) or completed (its offers are exchanged; the children's moves are
    their own `enrollment.transferred` events)."""
    row = _exchange(state, event)
    if row is not None:
        row[X_STATUS] = event.payload["status"]
        offer_status = "exchanged" if row[X_STATUS] == "completed" else "open"
        _exchange_offers_set(state, event, event.payload["offers"], offer_status)


# --- medical indications, campaigns, access requests (A1) ---------------------------------------------


def _row(state: State, event: Event, rows: dict[int, Any], pk: int, before: str) -> Any:
    """The row `pk` of `rows`, or None (and an anomaly: an event about something the ledger never saw)."""
    row = rows.get(pk)
    if row is None:
        state.anomalies.append((event.seq, f"{event.subject_type} {pk}", f"{event.kind} before {before}"))
    return row


def indication_submitted(state: State, event: Event) -> None:
    p, pk = event.payload, int(event.subject_id)
    if _new(state, event, state.indications, pk):
        state.indications[pk] = [p["application"], day(p["issued_on"]), day(p["valid_until"]), p["status"], 0]


def indication_decided(state: State, event: Event) -> None:
    """P3: a pending indication confirmed or rejected, its dates as submitted (an edit in between is an
    anomaly); a confirmation supersedes the child's confirmed one it names."""
    p = event.payload
    row = _row(state, event, state.indications, int(event.subject_id), "submission")
    if row is None:
        return
    if row[MI_STATUS] != "pending":
        state.anomalies.append((event.seq, f"medical_indication {event.subject_id}", f"{event.kind} twice"))
    if (row[MI_ISSUED], row[MI_VALID]) != (day(p["issued_on"]), day(p["valid_until"])):
        state.anomalies.append(
            (
                event.seq,
                f"medical_indication {event.subject_id}",
                "dates changed between submission and decision",
            )
        )
    row[MI_STATUS], row[MI_DECIDED_BY] = p["status"], p.get("by")
    if p.get("supersedes") is not None:
        superseded = _row(state, event, state.indications, int(p["supersedes"]), "submission")
        if superseded is not None and superseded[MI_STATUS] != "confirmed":
            state.anomalies.append(
                (event.seq, f"medical_indication {p['supersedes']}", "superseded but not confirmed")
            )
        elif superseded is not None:
            superseded[MI_STATUS] = "superseded"


def _campaign(state: State, event: Event, pk: int) -> list[Any] | None:
    return _row(state, event, state.campaigns, pk, "launch")


def campaign_launched(state: State, event: Event) -> None:
    p, pk = event.payload, int(event.subject_id)
    if _new(state, event, state.campaigns, pk):
        state.campaigns[pk] = [
            event.locality_code, p["year"], moment_ms(p["starts_at"]), moment_ms(p["ends_at"]),
            p.get("staff"), None, False, 0, False, 0,
        ]  # fmt: skip


def campaign_extended(state: State, event: Event) -> None:
    row = _campaign(state, event, int(event.subject_id))
    ends_at = moment_ms(event.payload["ends_at"])
    if row is not None and _later(state, event, row[C_ENDS], ends_at):
        row[C_ENDS] = ends_at


def campaign_notified(state: State, event: Event) -> None:
    row = _campaign(state, event, int(event.subject_id))
    if row is not None:
        row[C_NOTIFIED], row[C_NOTIFIED_COUNT] = True, event.payload["applicants"]


def campaign_confirmed(state: State, event: Event) -> None:
    """C3: one applicant's answers (the events since A1 name the applicant: one answer each)."""
    pk = int(event.subject_id)
    row = _campaign(state, event, pk)
    if row is None:
        return
    row[C_RESPONSES] += 1
    applicant = event.payload.get("applicant")
    if applicant is not None and (pk, applicant) in state.responses:
        state.anomalies.append((event.seq, f"campaign {pk}", "one applicant answered twice"))
    elif applicant is not None:
        state.responses.add((pk, applicant))


def campaign_closed(state: State, event: Event) -> None:
    """C4: the sweep is done; the counts it states are those the ledger recorded."""
    p = event.payload
    row = _campaign(state, event, int(event.subject_id))
    if row is None:
        return
    if (p["confirmed"], p["stop_listed"]) != (row[C_RESPONSES], row[C_STOP_LISTED]):
        state.anomalies.append(
            (event.seq, f"campaign {event.subject_id}", "closed with other counts than the recorded answers")
        )
    row[C_SWEPT] = True


def access_request_submitted(state: State, event: Event) -> None:
    pk = int(event.subject_id)
    if _new(state, event, state.access_requests, pk):
        state.access_requests[pk] = [event.payload["status"], 0, 0]


def access_request_first_approved(state: State, event: Event) -> None:
    """D2: the first of two approvals, by its staff member."""
    row = _row(state, event, state.access_requests, int(event.subject_id), "submission")
    if row is not None and (row[AR_STATUS] != "pending" or row[AR_FIRST]):
        state.anomalies.append((event.seq, f"access_request {event.subject_id}", f"{event.kind} twice"))
    elif row is not None:
        row[AR_FIRST] = event.payload.get("by")


def access_request_decided(state: State, event: Event) -> None:
    """D2: a decision; an approval naming a first approver must follow that approver's recorded first
    approval, by another staff member (four eyes)."""
    p, name = event.payload, f"access_request {event.subject_id}"
    row = _row(state, event, state.access_requests, int(event.subject_id), "submission")
    if row is None:
        return
    if row[AR_STATUS] != "pending":
        state.anomalies.append((event.seq, name, f"{event.kind} of a decided request"))
    first = p.get("first_approved_by") or 0
    if first and row[AR_FIRST] != first:
        state.anomalies.append((event.seq, name, "a second approval with no recorded first approval"))
    elif first and first == p.get("by"):
        state.anomalies.append((event.seq, name, "both approvals by one staff member"))
    row[AR_STATUS], row[AR_DECIDED_BY] = p["status"], p.get("by")


# --- organisations, teachers, closures (A1) ---------------------------------------------------------


def organisation_created(state: State, event: Event) -> None:
    p, pk = event.payload, int(event.subject_id)
    if _new(state, event, state.organisations, pk):
        values = {name: p[name] for name in ORGANISATION_FIELDS if name in p}
        state.organisations[pk] = {**values, "locality": event.locality_code}


def organisation_updated(state: State, event: Event) -> None:
    """The new value of each passport field that changed (the fee table as a whole)."""
    values = state.organisations.setdefault(int(event.subject_id), {})
    for name, (_old, new) in event.payload["changed"].items():
        if name in ORGANISATION_FIELDS:
            values[name] = new


def teacher_assigned(state: State, event: Event) -> None:
    p, pk = event.payload, int(event.subject_id)
    if _new(state, event, state.assignments, pk):
        state.assignments[pk] = [p["profile"], p["group"], day(p["since"]), ""]


def teacher_unassigned(state: State, event: Event) -> None:
    row = _row(state, event, state.assignments, int(event.subject_id), "assignment")
    if row is not None and row[TA_UNTIL]:
        state.anomalies.append((event.seq, f"teacher_assignment {event.subject_id}", f"{event.kind} twice"))
    elif row is not None:
        row[TA_UNTIL] = day(event.payload["until"])


def closure_added(state: State, event: Event) -> None:
    p, pk = event.payload, int(event.subject_id)
    if _new(state, event, state.closures, pk):
        state.closures[pk] = [
            p["organisation"], p["group"] or 0, day(p["first_day"]), day(p["last_day"]), p["kind"],
            p.get("by"),
        ]  # fmt: skip


def feedback_status_changed(state: State, event: Event) -> None:
    """A message's status and whether it has an answer, as staff last set them (its text is private)."""
    state.feedback[int(event.subject_id)] = [event.payload["status"], event.payload["answered"]]


# --- development monitoring (E47) -------------------------------------------------------------------


def _monitoring_point(state: State, event: Event) -> list[Any]:
    p = event.payload
    return state.monitoring_points.setdefault(p["point"], [p["group"], p["period"], "open", None])


def monitoring_card_saved(state: State, event: Event) -> None:
    """A card saved: its latest hash. A card saved at a locked point is an anomaly (E44)."""
    point = _monitoring_point(state, event)
    if point[2] == "locked":
        state.anomalies.append(
            (event.seq, f"monitoring point {event.payload['point']}", "card saved after lock")
        )
    state.monitoring_cards[int(event.payload["card"])] = [event.payload["point"], event.payload["sha256"]]


def monitoring_point_locked(state: State, event: Event) -> None:
    point = _monitoring_point(state, event)
    if point[2] == "locked":
        state.anomalies.append(
            (event.seq, f"monitoring point {event.payload['point']}", f"{event.kind} twice")
        )
    point[2], point[3] = "locked", event.payload["cards_sha256"]


def monitoring_dates_set(state: State, event: Event) -> None:
    p = event.payload
    key = f"{event.subject_id}:{p['school_year']}:{p['period']}"
    state.monitoring_dates[key] = [day(p["first_day"]), day(p["last_day"])]


# --- transfers to school (E67) ---------------------------------------------------------------------


def school_transfer_consented(state: State, event: Event) -> None:
    pk = int(event.subject_id)
    if _new(state, event, state.school_transfers, pk):
        state.school_transfers[pk] = [event.payload["file"], event.payload["state"], ""]


def school_transfer_changed(state: State, event: Event) -> None:
    """Every transfer event states the transfer's state after it; the issue carries the package's hash. An
    event after the end, or a second package, is an anomaly."""
    pk = int(event.subject_id)
    row = state.school_transfers.get(pk)
    if row is None:
        state.anomalies.append((event.seq, f"school transfer {pk}", f"{event.kind} before the consent"))
        return
    if row[ST_STATE] in SCHOOL_TRANSFER_ENDED or (row[ST_SHA256] and "sha256" in event.payload):
        state.anomalies.append((event.seq, f"school transfer {pk}", f"{event.kind} after {row[ST_STATE]}"))
        return
    row[ST_STATE] = event.payload["state"]
    if "sha256" in event.payload:
        row[ST_SHA256] = event.payload["sha256"]


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
    """An event that changes nothing this check compares (attendance marks — whose months are hashed by
    the timesheet events — and funding, diffed by `kezek.funding.integrity`): it is on the chain, verified
    by its hash."""


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
    "group.updated": group_updated,
    "organisation.created": organisation_created,
    "organisation.updated": organisation_updated,
    "feedback.status_changed": feedback_status_changed,
    "access_request.submitted": access_request_submitted,
    "access_request.first_approved": access_request_first_approved,
    "access_request.approved": access_request_decided,
    "access_request.rejected": access_request_decided,
    "campaign.launched": campaign_launched,
    "campaign.extended": campaign_extended,
    "campaign.notified": campaign_notified,
    "campaign.closed": campaign_closed,
    "campaign.confirmed": campaign_confirmed,
    "medical_indication.submitted": indication_submitted,
    "medical_indication.confirmed": indication_decided,
    "medical_indication.rejected": indication_decided,
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
    "teacher.assigned": teacher_assigned,
    "teacher.unassigned": teacher_unassigned,
    "attendance.day_marked": recorded_only,
    "attendance.mark_changed": recorded_only,
    "attendance.corrected": recorded_only,
    "closure.added": closure_added,
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
    "exchange_offer.made": exchange_offer_made,
    "exchange_offer.withdrawn": exchange_offer_closed,
    "exchange_offer.voided": exchange_offer_closed,
    "exchange_round.run": exchange_round_run,
    "exchange.proposed": exchange_proposed,
    "exchange.decided": exchange_decided,
    "exchange.dropped": exchange_closed,
    "exchange.completed": exchange_closed,
    "monitoring.card_saved": monitoring_card_saved,
    "monitoring.point_locked": monitoring_point_locked,
    "monitoring.dates_set": monitoring_dates_set,
    "school_transfer.consented": school_transfer_consented,
    "school_transfer.package_issued": school_transfer_changed,
    "school_transfer.received": school_transfer_changed,
    "school_transfer.completed": school_transfer_changed,
    "school_transfer.resigned": school_transfer_changed,
    "application.archived": application_stop_list_ended,
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
