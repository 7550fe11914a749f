"""Deterministic generation of the demo queue (no database access).

A subset of the registry's children under 7 gets one application each, as if their families had registered
them through the portal over the last six years: the applicant is one of the child's registry parents
(`application_register` refuses anyone else, so orphans, who have no parent or guardian in the demo
registry, are left out), the locality is the family's, first-priority tier when the child holds a registry
benefit of a first-priority category (Q4, Q5: confirmed by the registry), about 1.5 % extraordinary (a
confirmed certificate), a few % on the stop-list after a missed yearly confirmation (S2 `cleanup`).

Everything is drawn from one `random.Random` in a fixed order and sorted with total keys, so the same seed
and the same registry always give the same plan. The database ids (application numbers) are not part of
the plan: the writer allocates them in registration order and only then builds the ledger.

Time is frozen at the demo's "today" (`DEMO_NOW`, the day after the last registry birth), not the clock:
the data must not depend on the day it is loaded.
"""

import bisect
import datetime as dt
import hashlib
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.core.serializers.json import DjangoJSONEncoder

from kezek.core.phones import MOBILE_PREFIXES
from kezek.ledger.hashing import person_digest
from kezek.waitlist import ordering
from kezek.waitlist.commitments import SALT_BYTES, birth_commitment

from . import catalogue as cat
from .generate import CHILD_BIRTH_LAST, PersonRow, RegistryChunk, random_address, weighted_choice

DEMO_TODAY = CHILD_BIRTH_LAST + dt.timedelta(days=1)
REGISTRATION_YEARS = 6  # registrations are spread over the six years before DEMO_NOW
MIN_DAYS_AFTER_BIRTH = 3  # the IIN exists a few days after birth; no registration before that
MAX_CHILD_AGE = 7  # Q2: only children under 7 join the queue
EARLY_REGISTRATION_SHARE = 0.55  # most families register within the first months of the child's life
EARLY_REGISTRATION_DAYS = 120
EXTRAORDINARY_SHARE = 0.015
EXTRAORDINARY_WEIGHTS: tuple[tuple[float, str], ...] = (
    (70, "military"),
    (25, "special_state_bodies"),
    (5, "died_in_service"),
)
CLEANUP_SHARE = 0.04  # of the applications that had to be confirmed at least once (C2, C4)
CONFIRMATION_DAYS_BEFORE = 20  # the yearly confirmation is answered up to 20 days before the validity ends
DOCUMENT_NAME = "demo/certificate.pdf"  # Q5 certificate of the demo's extraordinary claims (no file)
_PHONE_PREFIXES = tuple(sorted(p for p in MOBILE_PREFIXES if p.startswith("7")))
_KAZAKH_CHILD_NAMES = frozenset(cat.KK_BOYS) | frozenset(cat.KK_GIRLS)
_JSON = DjangoJSONEncoder()
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_DAY_US = 86_400_000_000


def demo_now(tz: ZoneInfo) -> dt.datetime:
    """The demo's fixed "now": midnight at the start of DEMO_TODAY in the local zone."""
    return dt.datetime.combine(DEMO_TODAY, dt.time(0, 0), tzinfo=tz)


def add_years(day: dt.date, years: int) -> dt.date:
    """`day` `years` later; 29 February becomes 28 February (as `application_register` does, Q7)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def json_value(value: dt.date | dt.datetime) -> str:
    """A date or datetime as the ledger stores it (DjangoJSONEncoder: ISO 8601, milliseconds)."""
    text: str = _JSON.default(value)
    return text


# ------------------------------------------------------------------------------------- candidates


class BenefitSpan:
    """A registry benefit of the child: category code and validity."""

    __slots__ = ("category", "valid_from", "valid_to")

    def __init__(self, category: str, valid_from: dt.date, valid_to: dt.date | None) -> None:
        self.category = category
        self.valid_from = valid_from
        self.valid_to = valid_to


class Candidate:
    """A registry child under 7 and what the queue needs of its family."""

    __slots__ = ("benefits", "child", "family", "parents")

    def __init__(
        self, child: PersonRow, parents: tuple[PersonRow, ...], benefits: tuple[BenefitSpan, ...], family: str
    ) -> None:
        self.child = child
        self.parents = parents
        self.benefits = benefits
        self.family = family


class CandidateCollector:
    """Collects, chunk by chunk as the registry is generated, the children who may join the queue."""

    def __init__(self) -> None:
        self.candidates: list[Candidate] = []
        self._born_after = add_years(DEMO_TODAY, -MAX_CHILD_AGE)  # under 7 on DEMO_TODAY
        self._born_by = DEMO_TODAY - dt.timedelta(days=MIN_DAYS_AFTER_BIRTH + 1)  # a day to register in

    def add_chunk(self, chunk: RegistryChunk) -> None:
        parents_of: dict[int, list[int]] = {}
        for parent, child in chunk.kinships:
            parents_of.setdefault(child, []).append(parent)
        benefits_of: dict[int, list[BenefitSpan]] = {}
        for row in chunk.benefits:
            benefits_of.setdefault(row.person, []).append(
                BenefitSpan(row.category, row.valid_from, row.valid_to)
            )
        for index, person in enumerate(chunk.persons):
            links = parents_of.get(index)
            if not links or not self._born_after < person.birth_date <= self._born_by:
                continue  # an adult, too old or too young, or an orphan (nobody may register them)
            parents = tuple(chunk.persons[i] for i in links)
            self.candidates.append(
                Candidate(
                    child=person,
                    parents=parents,
                    benefits=tuple(benefits_of.get(index, ())),
                    family=parents[0].iin,
                )
            )


# ------------------------------------------------------------------------------------------- plan


@dataclass(slots=True)
class ApplicantPlan:
    person: PersonRow
    phone: str
    phone_alt: str
    notify_language: str
    created_at: dt.datetime | None = None  # the first registration of the applicant


@dataclass(slots=True)
class FamilyPlan:
    locality: str
    applicant: ApplicantPlan
    language_kk: float  # probability that an application of the family asks for Kazakh groups
    address: str


@dataclass(slots=True)
class ApplicationPlan:
    """One application, with its whole (demo) history."""

    child: PersonRow
    applicant: ApplicantPlan
    locality: str
    cohort: int
    tier: str
    status: str
    registered_us: int  # microseconds since the epoch: the sort key
    registered_at: dt.datetime
    first_valid_until: dt.date  # at registration: one year (Q7)
    valid_until: dt.date  # now, after the last yearly confirmation
    language: str
    address: str
    first_priority: tuple[str, ...]  # category codes confirmed by the registry (Q5)
    extraordinary: str = ""  # category code of a confirmed certificate
    document_issued_on: dt.date | None = None
    decided_at: dt.datetime | None = None
    extended_at: dt.datetime | None = None  # the last yearly confirmation (C3)
    stop_listed_at: dt.datetime | None = None  # missed the last confirmation: stop-list `cleanup` (C4)
    ordinal: int = 0
    salt: bytes = b""  # of the birth-date commitment (`demo_salt`), set once the plan is made

    @property
    def status_changed_at(self) -> dt.datetime:
        return self.stop_listed_at or self.registered_at


# Ledger event kinds, in the order they sort when they happen at the same moment.
REGISTERED, DECIDED, EXTENDED, STOP_LISTED = 0, 1, 2, 3
EVENT_KINDS = ("application.registered", "benefit.decided", "application.extended", "application.stop_listed")


@dataclass
class QueuePlan:
    """The applications in registration order (index = order of their numbers) and the ledger's order."""

    applications: list[ApplicationPlan] = field(default_factory=list)
    applicants: list[ApplicantPlan] = field(default_factory=list)
    events: list[tuple[int, int, int]] = field(default_factory=list)  # (time µs, application index, kind)
    eligible: int = 0

    def cohorts(self) -> dict[tuple[str, int], list[ApplicationPlan]]:
        """Applications per (locality, cohort), by ordinal."""
        groups: dict[tuple[str, int], list[ApplicationPlan]] = {}
        for application in self.applications:
            groups.setdefault((application.locality, application.cohort), []).append(application)
        for rows in groups.values():
            rows.sort(key=lambda a: a.ordinal)
        return groups


class TooManyApplications(ValueError):
    """More applications asked for than the registry has children under 7."""


def demo_salt(seed: int, index: int) -> bytes:
    """The commitment salt of the plan's application `index`, derived from the seed so that the demo stays
    reproducible (and its salts guessable: demo data only). Real registrations draw theirs with
    `secrets.token_bytes` (`kezek.waitlist.commitments.new_salt`)."""
    return hashlib.sha256(f"kezek-demo:{seed}:salt:{index}".encode()).digest()[:SALT_BYTES]


def _us(moment: dt.datetime) -> int:
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


class _Clock:
    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.now = demo_now(tz)
        self.now_us = _us(self.now)

    def at(self, us: int) -> dt.datetime:
        return (_EPOCH + dt.timedelta(microseconds=us)).astimezone(self.tz)

    def midnight_us(self, day: dt.date) -> int:
        return _us(dt.datetime.combine(day, dt.time(0, 0), tzinfo=self.tz))

    def during(self, rng: random.Random, day: dt.date, *, first_hour: int = 9, last_hour: int = 19) -> int:
        """A random moment of office hours on `day`."""
        return self.midnight_us(day) + rng.randrange(first_hour * 3_600_000_000, last_hour * 3_600_000_000)


def plan_queue(
    rng: random.Random,
    candidates: Sequence[Candidate],
    *,
    places: Sequence[tuple[cat.PlaceSpec, int]],
    count: int | None,
    first_priority: dict[str, str],
    extraordinary: Sequence[tuple[float, str]],
    tz: ZoneInfo,
) -> QueuePlan:
    """The queue of `count` (default: all) of the candidates, in registration order.

    `places`: (place, weight) of the localities families live in (weight: its organisations);
    `first_priority`: registry category → first-priority category code; `extraordinary`: (weight, code).
    """
    if count is not None and count > len(candidates):
        raise TooManyApplications(
            f"{count} applications asked for, but the registry has only {len(candidates)} children under 7"
        )
    clock = _Clock(tz)
    chosen: Sequence[Candidate] = candidates
    if count is not None and count < len(candidates):
        picked = sorted(rng.sample(range(len(candidates)), count))
        chosen = [candidates[i] for i in picked]
    codes = [place.code for place, _weight in places]
    by_code = {place.code: place for place, _weight in places}
    cumulative: list[float] = []
    for _place, weight in places:
        cumulative.append((cumulative[-1] if cumulative else 0) + weight)
    families: dict[str, FamilyPlan] = {}
    applicants: dict[str, ApplicantPlan] = {}
    plan = QueuePlan(eligible=len(candidates))
    window_start_us = _us(clock.now.replace(year=clock.now.year - REGISTRATION_YEARS))

    for candidate in chosen:
        family = families.get(candidate.family)
        if family is None:
            code = codes[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]
            family = families[candidate.family] = _plan_family(
                rng, candidate, place=by_code[code], applicants=applicants
            )
        plan.applications.append(
            _plan_application(
                rng,
                candidate,
                family=family,
                clock=clock,
                window_start_us=window_start_us,
                first_priority=first_priority,
                extraordinary=extraordinary,
            )
        )

    # Q3, Q4: ordinals in registration order within each (locality, cohort); registered_at is monotone.
    groups: dict[tuple[str, int], list[ApplicationPlan]] = {}
    for application in plan.applications:
        groups.setdefault((application.locality, application.cohort), []).append(application)
    for rows in groups.values():
        rows.sort(key=lambda a: (a.registered_us, a.child.iin))
        for ordinal, application in enumerate(rows, start=1):
            application.ordinal = ordinal
    # Numbers are given in registration order across the whole queue.
    plan.applications.sort(key=lambda a: (a.registered_us, a.locality, a.cohort, a.ordinal))
    for application in plan.applications:
        applicant = application.applicant
        if applicant.created_at is None:
            applicant.created_at = application.registered_at
            plan.applicants.append(applicant)
    plan.events = _events(plan.applications)
    return plan


def _plan_family(
    rng: random.Random, candidate: Candidate, *, place: cat.PlaceSpec, applicants: dict[str, ApplicantPlan]
) -> FamilyPlan:
    parents = candidate.parents
    if len(parents) > 1:
        mothers = [p for p in parents if p.sex == "F"]
        person = mothers[0] if mothers and rng.random() < 0.75 else rng.choice(parents)
    else:
        person = parents[0]
    kazakh = candidate.child.first_name in _KAZAKH_CHILD_NAMES
    applicant = applicants.get(person.iin)
    if applicant is None:
        phone = _mobile(rng)
        phone_alt = _mobile(rng)
        while phone_alt == phone:
            phone_alt = _mobile(rng)
        notify = "kk" if kazakh and rng.random() < 0.6 else "ru"
        applicant = applicants[person.iin] = ApplicantPlan(person, phone, phone_alt, notify)
    return FamilyPlan(
        locality=place.code,
        applicant=applicant,
        language_kk=0.8 if kazakh else 0.07,
        address=random_address(rng, place),
    )


def _mobile(rng: random.Random) -> str:
    """A Kazakhstan mobile number "+77XXXXXXXXX" with a real operator code (I4)."""
    return f"+7{rng.choice(_PHONE_PREFIXES)}{rng.randrange(10_000_000):07d}"


def _plan_application(
    rng: random.Random,
    candidate: Candidate,
    *,
    family: FamilyPlan,
    clock: _Clock,
    window_start_us: int,
    first_priority: dict[str, str],
    extraordinary: Sequence[tuple[float, str]],
) -> ApplicationPlan:
    child = candidate.child
    # A benefit holder registers once the benefit is in the registry, so it is found (Q5).
    held = [b for b in candidate.benefits if b.category in first_priority]
    earliest_day = child.birth_date + dt.timedelta(days=MIN_DAYS_AFTER_BIRTH)
    if held:
        earliest_day = max(earliest_day, min(b.valid_from for b in held))
    earliest = max(clock.midnight_us(earliest_day), window_start_us)
    span = clock.now_us - earliest
    if rng.random() < EARLY_REGISTRATION_SHARE:
        span = min(span, EARLY_REGISTRATION_DAYS * _DAY_US)
    registered_us = earliest + rng.randrange(span)
    registered_at = clock.at(registered_us)
    day = registered_at.date()
    codes = tuple(
        sorted(
            {
                first_priority[b.category]
                for b in held
                if b.valid_from <= day and (b.valid_to is None or day <= b.valid_to)
            }
        )
    )
    application = ApplicationPlan(
        child=child,
        applicant=family.applicant,
        locality=family.locality,
        cohort=child.birth_date.year,
        tier=ordering.FIRST_PRIORITY if codes else ordering.GENERAL,
        status="queued",
        registered_us=registered_us,
        registered_at=registered_at,
        first_valid_until=add_years(day, 1),
        valid_until=add_years(day, 1),
        language="kk" if rng.random() < family.language_kk else "ru",
        address=family.address,
        first_priority=codes,
    )
    if extraordinary and rng.random() < EXTRAORDINARY_SHARE:
        # Q5: a certificate issued within the month before, confirmed by staff within ten days.
        application.tier = ordering.EXTRAORDINARY
        application.extraordinary = weighted_choice(rng, extraordinary)
        application.document_issued_on = day - dt.timedelta(days=rng.randrange(26))
        wait = min(10 * _DAY_US, clock.now_us - registered_us)
        application.decided_at = clock.at(registered_us + 1 + rng.randrange(max(wait - 1, 1)))
    # Yearly confirmations (C): `passed` validity years have ended before the demo's today.
    passed = DEMO_TODAY.year - day.year
    if add_years(day, passed) >= DEMO_TODAY:
        passed -= 1
    if passed:
        lapsed_on = add_years(day, passed)
        needs_confirming = child.birth_date.year <= lapsed_on.year - 2  # C2
        if needs_confirming and rng.random() < CLEANUP_SHARE:
            # Missed the last confirmation: on the stop-list (S2 `cleanup`), validity lapsed.
            application.status = "stop_listed"
            application.valid_until = lapsed_on
            since_day = min(
                lapsed_on + dt.timedelta(days=rng.randint(1, 30)), DEMO_TODAY - dt.timedelta(days=1)
            )
            application.stop_listed_at = clock.at(clock.during(rng, since_day))
            confirmed = passed - 1
        else:
            application.valid_until = add_years(day, passed + 1)
            confirmed = passed
        if confirmed:
            # Only the last confirmation is written; the earlier ones are folded into it.
            ends = add_years(day, confirmed)
            answered = ends - dt.timedelta(days=rng.randrange(CONFIRMATION_DAYS_BEFORE + 1))
            application.extended_at = clock.at(clock.during(rng, answered, first_hour=7, last_hour=23))
    return application


def _events(applications: Sequence[ApplicationPlan]) -> list[tuple[int, int, int]]:
    events: list[tuple[int, int, int]] = []
    for index, application in enumerate(applications):
        events.append((application.registered_us, index, REGISTERED))
        if application.decided_at is not None:
            events.append((_us(application.decided_at), index, DECIDED))
        if application.extended_at is not None:
            events.append((_us(application.extended_at), index, EXTENDED))
        if application.stop_listed_at is not None:
            events.append((_us(application.stop_listed_at), index, STOP_LISTED))
    events.sort()
    return events


def event_payload(application: ApplicationPlan, kind: int, *, number: int, applicant: int) -> dict[str, Any]:
    """The event's payload, exactly as `kezek.waitlist.services._ledger` writes it (plain JSON values)."""
    if kind == REGISTERED:
        if len(application.salt) != SALT_BYTES:
            raise ValueError(f"application of {application.child.iin} has no commitment salt")
        return {
            "number": number,
            "status": "queued",
            "tier": application.tier,
            "cohort": application.cohort,
            "ordinal": application.ordinal,
            "registered_at": json_value(application.registered_at),
            "valid_until": json_value(application.first_valid_until),
            "applicant": applicant,
            "child": person_digest(application.child.iin, application.child.birth_date),
            "birth_commitment": birth_commitment(application.child.birth_date, application.salt),
        }
    if kind == DECIDED:
        return {
            "number": number,
            "status": "queued",
            "tier": application.tier,
            "category": application.extraordinary,
            "decision": "confirmed",
        }
    if kind == EXTENDED:
        # Queued: extended to now + up to a year; stop-listed: to the end that the missed one let lapse.
        return {
            "number": number,
            "status": "queued",
            "tier": application.tier,
            "valid_until": json_value(application.valid_until),
        }
    return {
        "number": number,
        "status": "stop_listed",
        "tier": application.tier,
        "reason": "cleanup",
        "restore_on": None,
    }


def event_moment(application: ApplicationPlan, kind: int) -> dt.datetime:
    moment = (
        application.registered_at,
        application.decided_at,
        application.extended_at,
        application.stop_listed_at,
    )[kind]
    if moment is None:
        raise ValueError(f"application of {application.child.iin} has no event {EVENT_KINDS[kind]}")
    return moment


def iter_events(plan: QueuePlan) -> Iterator[tuple[ApplicationPlan, int, str]]:
    """(application, kind, kind name) in ledger order."""
    for _moment, index, kind in plan.events:
        yield plan.applications[index], kind, EVENT_KINDS[kind]
