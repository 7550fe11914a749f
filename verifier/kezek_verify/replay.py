"""Replaying the log's public forms by the published rules (rules.md Q, P, S, C; docs/rules.md A2).

Written from the rules' text, not from the server's code: where the two disagree, the verifier reports
it. Every check raises VerificationFailed naming the entry (leaf index and ledger seq) and what is wrong.

What the public forms let anyone check, and what they do not:

- Q4 order of every cohort: extraordinary first, then first-priority (P) and general (G) interleaved
  1 : ratio (P, G×ratio, P, …; when one list runs out the other continues alone), and a G never stands
  before a P registered before it; within a tier by `registered_at`, then number. The ratio is the
  locality's `priority_ratio` (`queue_settings.changed`, default 3).
- P2/P4: a direction inside its publication's window whose `by_right_of` is not a holder; a direction to
  a place no publication published; a second direction of a place; a second live direction of one
  application; a direction closed when not live; an extension that does not extend; holders not queued
  when published, holders out of queue order.
- Skipped holders: eligibility (P3) rests on the child's birth date, which is private. A publication of
  a general group names the day ages were counted on (`age_on`) and the applications it passed over for
  their age (`passed_over`, docs/rules.md A5): the verifier then re-derives the whole line — every queued
  application of the cohorts in reach, less those passed over, in Q4 order — and the holders must be its
  head. A child passed over although every child of its birth year fits is a finding; whether a child of
  a boundary year really was too young or too old only its family can check (`kezek-verify proof`
  opens the birth-date commitment). Publications without the outcome (correctional and sanatorium
  groups, and those from before it was published) are checked as before: a skipped application is
  certain only when every child of its cohort fits, and only within the holder's cohort. Cohorts a
  finished but not yet swept campaign covers (C6: who answered is private) are left out. `LIMITS` says
  so.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kezek_verify.errors import VerificationFailed

DEFAULT_RATIO = 3  # Q4
EXTRAORDINARY, FIRST_PRIORITY, GENERAL = "extraordinary", "first_priority", "general"
TIERS = (EXTRAORDINARY, FIRST_PRIORITY, GENERAL)
QUEUED, STOP_LISTED = "queued", "stop_listed"
LIVE_DIRECTION = frozenset({"benefit_confirmation", "awaiting_enrollment"})  # P4
DIRECTION_END = {
    "direction.declined": "declined",
    "direction.expired": "expired",
    "direction.revoked": "revoked",
    "direction.enrolled": "enrolled",
}
# Kazakhstan keeps one time zone since March 2024: the local day of restorations (S2) and windows (P2).
LOCAL = dt.timezone(dt.timedelta(hours=5))

LIMITS = (
    "eligibility by age is private: a publication's list of applications passed over for their age is "
    "checked for birth years that can be too young or too old, not child by child (each family can, with "
    "kezek-verify proof); publications without that list are checked only within the holder's cohort, "
    "for groups that admit every age of that cohort",
    "a finished campaign not yet swept (C6) hides who answered: its cohorts are not checked for "
    "skipped holders and their lists are not compared",
    "siblings (P6), conclusions and medical indications (P3) are private: not checked",
    "initials in the queue lists are not in the log: not checked",
)


def parse_time(value: object, what: str) -> dt.datetime:
    """An aware datetime from the log's or a list's text; VerificationFailed otherwise."""
    if not isinstance(value, str):
        raise VerificationFailed(f"{what}: not a date and time: {value!r}")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise VerificationFailed(f"{what}: not a date and time: {value!r}") from None
    if moment.tzinfo is None:
        raise VerificationFailed(f"{what}: a time without its time zone: {value!r}")
    return moment


def parse_date(value: object, what: str) -> dt.date:
    if not isinstance(value, str):
        raise VerificationFailed(f"{what}: not a date: {value!r}")
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        raise VerificationFailed(f"{what}: not a date: {value!r}") from None


@dataclass
class Application:
    number: int
    locality: str
    cohort: int
    tier: str
    ordinal: int
    registered_at: dt.datetime
    status: str
    valid_until: dt.date
    restore_on: dt.date | None = None
    live_direction: int | None = None
    referred_to: int | None = None  # the direction of the last `application.referred`

    @property
    def key(self) -> tuple[dt.datetime, int]:
        """Q4: within a tier by registration time, then by number."""
        return (self.registered_at, self.number)

    def queued_on(self, day: dt.date) -> bool:
        """Takes part in distribution on `day`: queued, or stop-listed with its automatic restoration due
        (S2: restored after 10 working days; the sweep may not have run yet)."""
        if self.status == QUEUED:
            return True
        return self.status == STOP_LISTED and self.restore_on is not None and self.restore_on <= day


@dataclass
class Group:
    number: int
    locality: str
    kind: str
    age_from: int
    age_to: int
    academic_year: int | None


@dataclass
class Publication:
    number: int
    locality: str
    group: int
    places: list[int]
    published_at: dt.datetime
    priority_until: dt.datetime | None
    holders: list[int]
    former_holders: set[int] = field(default_factory=set)
    age_on: dt.date | None = None  # A5: the day ages were counted on …
    passed_over: list[int] | None = None  # … and who was not of the group's ages then


@dataclass
class Direction:
    number: int
    locality: str
    application: int
    place: int
    publication: int
    by_right_of: int
    state: str
    issued_at: dt.datetime
    valid_until: dt.datetime | None


@dataclass
class Campaign:
    number: int
    locality: str
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    last_cohort: int | None
    closed: bool = False


@dataclass(frozen=True)
class Where:
    index: int
    seq: int
    kind: str

    def fail(self, message: str) -> VerificationFailed:
        return VerificationFailed(f"entry {self.index} (seq {self.seq}, {self.kind}): {message}")


def interleave(
    extraordinary: list[Application], first: list[Application], general: list[Application], ratio: int
) -> list[Application]:
    """Q4 from its text: extraordinary at the head; then P, G×ratio, P, G×ratio, … — the k-th P's turn
    comes after (k-1)·ratio G's — when one list runs out the other continues alone; and a G never stands
    before a P registered before it. Each list by (registered_at, number)."""
    order = sorted(extraordinary, key=lambda a: a.key)
    first = sorted(first, key=lambda a: a.key)
    general = sorted(general, key=lambda a: a.key)
    p = g = 0
    while p < len(first) or g < len(general):
        take_p = p < len(first) and (g == len(general) or g >= p * ratio or first[p].key < general[g].key)
        if take_p:
            order.append(first[p])
            p += 1
        else:
            order.append(general[g])
            g += 1
    return order


def _september(group: Group) -> dt.date | None:
    return dt.date(group.academic_year, 9, 1) if group.academic_year else None


def _ages(year: int, reference: dt.date) -> tuple[int, int]:
    """The least and greatest full age on `reference` of a child born in `year`."""
    oldest = reference.year - year  # born on 1 January
    youngest = oldest if (reference.month, reference.day) == (12, 31) else oldest - 1
    return youngest, oldest


class Replay:
    """The state the public forms imply, checked entry by entry (`apply`)."""

    def __init__(self) -> None:
        self.applications: dict[int, Application] = {}
        self.groups: dict[int, Group] = {}
        self.publications: dict[int, Publication] = {}
        self.place_publication: dict[int, int] = {}
        self.place_direction: dict[int, int] = {}
        self.directions: dict[int, Direction] = {}
        self.campaigns: dict[int, Campaign] = {}
        self.ratio: dict[str, int] = {}
        self.placement: dict[str, dict[str, Any]] = {}
        self.staff_children: dict[str, int] = {}
        self.entries = 0
        self.holder_checks = 0  # holder comparisons the public data made certain
        self.lines_checked = 0  # publications whose whole line was re-derived (A5)
        self.by_cohort: dict[tuple[str, int], list[Application]] = {}

    # ----------------------------------------------------------------------------- reading entries

    def apply_entry(self, index: int, entry: bytes) -> None:
        """Parse leaf `index` (the public form of ledger event index + 1) and apply it."""
        try:
            form = json.loads(entry.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise VerificationFailed(f"entry {index}: not a JSON public form") from None
        if not isinstance(form, dict):
            raise VerificationFailed(f"entry {index}: not a JSON object")
        seq, kind, data = form.get("seq"), form.get("kind"), form.get("data")
        if form.get("v") != 1:
            raise VerificationFailed(f"entry {index}: public form version {form.get('v')!r}, expected 1")
        if seq != index + 1:
            raise VerificationFailed(
                f"entry {index}: holds ledger event seq {seq!r}, expected {index + 1} (leaf i is event i + 1)"
            )
        if not isinstance(kind, str) or not isinstance(data, dict):
            raise VerificationFailed(f"entry {index} (seq {seq}): malformed kind or data")
        for name in ("subject_type", "subject_id", "locality", "occurred_at"):
            if not isinstance(form.get(name), str):
                raise VerificationFailed(f"entry {index} (seq {seq}, {kind}): malformed {name}")
        where = Where(index, seq, kind)
        occurred = parse_time(form["occurred_at"], f"entry {index} (seq {seq}) occurred_at")
        self.apply(where, form, occurred)
        self.entries += 1

    def apply(self, where: Where, form: dict[str, Any], occurred: dt.datetime) -> None:
        kind, data, locality = where.kind, form["data"], form["locality"]
        subject = form["subject_id"]
        try:
            if kind == "application.registered":
                self._registered(where, subject, locality, data)
            elif kind.startswith("application.") and kind != "application.applicant_changed":
                self._application_changed(where, subject, locality, data, occurred)
            elif kind == "queue_settings.changed":
                self._ratio(where, locality, data)
            elif kind == "placement_settings.changed":
                self.placement.setdefault(locality, {}).update(data)
            elif kind == "group.created":
                self._group_created(where, subject, locality, data)
            elif kind == "group.updated":
                self._group_updated(where, subject, data)
            elif kind == "places.published":
                self._published(where, subject, locality, data, occurred)
            elif kind == "places.offer_moved":
                self._offer_moved(where, subject, locality, data, occurred)
            elif kind == "direction.issued":
                self._direction_issued(where, subject, locality, data, occurred)
            elif kind == "direction.extended":
                self._direction_extended(where, subject, data)
            elif kind == "direction.benefit_confirmed":
                self._direction_live(where, subject).state = "awaiting_enrollment"
            elif kind in DIRECTION_END:
                self._direction_live(where, subject).state = DIRECTION_END[kind]
            elif kind == "enrollment.staff_child":
                self.staff_children[locality] = self.staff_children.get(locality, 0) + 1
            elif kind.startswith("campaign."):
                self._campaign(where, subject, locality, data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise where.fail(f"malformed data: {type(exc).__name__} {exc}") from None

    # ---------------------------------------------------------------------------------- the queue

    def _number(self, where: Where, subject: str, data: dict[str, Any]) -> int:
        number = data.get("number")
        if type(number) is not int or subject != str(number):
            raise where.fail(f"application number {number!r} does not match the subject {subject!r}")
        return number

    def _registered(self, where: Where, subject: str, locality: str, data: dict[str, Any]) -> None:
        number = self._number(where, subject, data)
        if number in self.applications:
            raise where.fail(f"application {number} is registered again (a duplicated creation event)")
        tier = data["tier"]
        if tier not in TIERS:
            raise where.fail(f"application {number}: unknown tier {tier!r}")
        for name in ("cohort", "ordinal"):
            if type(data.get(name)) is not int:
                raise where.fail(f"application {number}: malformed {name} {data.get(name)!r}")
        application = Application(
            number=number,
            locality=locality,
            cohort=data["cohort"],
            tier=tier,
            ordinal=data["ordinal"],
            registered_at=parse_time(data["registered_at"], f"{where.kind} registered_at"),
            status=str(data["status"]),
            valid_until=parse_date(data["valid_until"], f"{where.kind} valid_until"),
        )
        self.applications[number] = application
        self.by_cohort.setdefault((locality, application.cohort), []).append(application)

    def _application(self, where: Where, number: object) -> Application:
        application = self.applications.get(number) if type(number) is int else None
        if application is None:
            raise where.fail(f"application {number!r} was never registered")
        return application

    def _application_changed(
        self, where: Where, subject: str, locality: str, data: dict[str, Any], occurred: dt.datetime
    ) -> None:
        application = self._application(where, self._number(where, subject, data))
        if application.locality != locality:
            raise where.fail(f"application {application.number} belongs to {application.locality!r}")
        if where.kind == "application.referred":
            # P2: only a queued application takes a place (a due restoration counts, S2).
            if not application.queued_on(occurred.astimezone(LOCAL).date()):
                raise where.fail(
                    f"application {application.number} is referred but was not queued "
                    f"(status {application.status})"
                )
            direction = data.get("direction")
            application.referred_to = direction if type(direction) is int else None
        if where.kind == "application.extended":
            until = parse_date(data["valid_until"], "valid_until")
            if until <= application.valid_until:
                raise where.fail(
                    f"application {application.number}: an extension that does not extend "
                    f"({application.valid_until} → {until})"
                )
            application.valid_until = until
        if data.get("tier") not in TIERS or not isinstance(data.get("status"), str):
            raise where.fail(f"application {application.number}: malformed status or tier")
        application.tier = data["tier"]
        application.status = data["status"]
        if where.kind == "application.stop_listed":
            restore = data.get("restore_on")
            application.restore_on = None if restore is None else parse_date(restore, "restore_on")
        elif application.status != STOP_LISTED:
            application.restore_on = None

    def _ratio(self, where: Where, locality: str, data: dict[str, Any]) -> None:
        ratio = data.get("priority_ratio")
        if type(ratio) is not int or ratio < 1:
            raise where.fail(f"priority_ratio {ratio!r} is not a positive whole number")
        self.ratio[locality] = ratio

    def ratio_of(self, locality: str) -> int:
        return self.ratio.get(locality, DEFAULT_RATIO)

    def cohort_order(self, locality: str, cohort: int, day: dt.date) -> list[Application]:
        """Q4: the queued applications of one cohort on `day`, in order."""
        tiers: dict[str, list[Application]] = {tier: [] for tier in TIERS}
        for application in self.applications.values():
            if (
                application.locality == locality
                and application.cohort == cohort
                and application.queued_on(day)
            ):
                tiers[application.tier].append(application)
        return interleave(
            tiers[EXTRAORDINARY], tiers[FIRST_PRIORITY], tiers[GENERAL], self.ratio_of(locality)
        )

    def cohorts(self, locality: str, day: dt.date) -> set[int]:
        return {a.cohort for a in self.applications.values() if a.locality == locality and a.queued_on(day)}

    def localities(self) -> set[str]:
        return {a.locality for a in self.applications.values()} | {
            d.locality for d in self.directions.values()
        }

    # --------------------------------------------------------------------------------- campaigns

    def _campaign(self, where: Where, subject: str, locality: str, data: dict[str, Any]) -> None:
        if not subject.isdigit():
            raise where.fail(f"malformed campaign subject {subject!r}")
        number = int(subject)
        if where.kind == "campaign.launched":
            if number in self.campaigns:
                raise where.fail(f"campaign {number} is launched again (a duplicated creation event)")
            last = data.get("last_cohort")
            self.campaigns[number] = Campaign(
                number=number,
                locality=locality,
                starts_at=parse_time(data["starts_at"], "starts_at") if data.get("starts_at") else None,
                ends_at=parse_time(data["ends_at"], "ends_at") if data.get("ends_at") else None,
                last_cohort=last if type(last) is int else None,
            )
            return
        campaign = self.campaigns.get(number)
        if campaign is None:
            raise where.fail(f"campaign {number} was never launched")
        if where.kind == "campaign.extended":
            ends = parse_time(data["ends_at"], "ends_at")
            if campaign.ends_at is not None and ends <= campaign.ends_at:
                raise where.fail(f"campaign {number}: an extension that does not extend")
            campaign.ends_at = ends
        elif where.kind == "campaign.closed":
            campaign.closed = True

    def unswept(self, locality: str, cohort: int, moment: dt.datetime) -> bool:
        """C6: a campaign of the locality has ended by `moment` and not been swept, and covers `cohort`."""
        return any(
            c.locality == locality
            and not c.closed
            and (c.ends_at is None or c.ends_at <= moment)
            and (c.last_cohort is None or cohort <= c.last_cohort)
            for c in self.campaigns.values()
        )

    # ---------------------------------------------------------------------------- groups, places

    def _group_created(self, where: Where, subject: str, locality: str, data: dict[str, Any]) -> None:
        number = int(subject)
        if number in self.groups:
            raise where.fail(f"group {number} is created again (a duplicated creation event)")
        year = data.get("academic_year")
        self.groups[number] = Group(
            number=number,
            locality=locality,
            kind=str(data.get("kind", "")),
            age_from=int(data["age_from"]),
            age_to=int(data["age_to"]),
            academic_year=year if type(year) is int else None,
        )

    def _group_updated(self, where: Where, subject: str, data: dict[str, Any]) -> None:
        group = self.groups.get(int(subject))
        if group is None:
            return  # a group the log did not see created (e.g. the demo's): nothing to compare with
        changed = data.get("changed") or {}
        if "kind" in changed:
            group.kind = str(changed["kind"])
        if "age_from" in changed:
            group.age_from = int(changed["age_from"])
        if "age_to" in changed:
            group.age_to = int(changed["age_to"])

    def _holders(self, where: Where, data: dict[str, Any]) -> list[int]:
        holders = data.get("holders", [])
        if not isinstance(holders, list) or any(type(h) is not int for h in holders):
            raise where.fail(f"malformed holders {holders!r}")
        if len(set(holders)) != len(holders):
            raise where.fail(f"a holder is named twice: {holders}")
        return holders

    def _published(
        self, where: Where, subject: str, locality: str, data: dict[str, Any], occurred: dt.datetime
    ) -> None:
        number = int(subject)
        if number in self.publications:
            raise where.fail(f"publication {number} is published again (a duplicated creation event)")
        places = data["places"]
        if not isinstance(places, list) or any(type(p) is not int for p in places):
            raise where.fail(f"publication {number}: malformed places {places!r}")
        for place in places:
            if place in self.place_publication:
                raise where.fail(
                    f"place {place} is published by publication {number} and {self.place_publication[place]}"
                )
        until = data.get("priority_until")
        publication = Publication(
            number=number,
            locality=locality,
            group=int(data["group"]),
            places=list(places),
            published_at=occurred,
            priority_until=None if until is None else parse_time(until, "priority_until"),
            holders=self._holders(where, data),
        )
        if "passed_over" in data or "age_on" in data:
            publication.age_on = parse_date(data.get("age_on"), f"publication {number} age_on")
            passed = data.get("passed_over")
            if not isinstance(passed, list) or any(type(n) is not int for n in passed):
                raise where.fail(f"publication {number}: malformed passed_over {passed!r}")
            publication.passed_over = passed
        self._check_holders(where, publication, occurred, initial=True)
        self.publications[number] = publication
        for place in places:
            self.place_publication[place] = number

    def _offer_moved(
        self, where: Where, subject: str, locality: str, data: dict[str, Any], occurred: dt.datetime
    ) -> None:
        publication = self.publications.get(int(subject))
        if publication is None:
            raise where.fail(f"the offer of publication {subject} moves, but it was never published")
        publication.former_holders.update(publication.holders)
        publication.holders = self._holders(where, data)
        until = data.get("priority_until")
        publication.priority_until = None if until is None else parse_time(until, "priority_until")
        self._check_holders(where, publication, occurred, initial=False)

    def _policy(self, locality: str) -> str:
        return str(self.placement.get(locality, {}).get("distribution_policy", "window"))

    def _references(self, locality: str, group: Group, day: dt.date) -> list[dt.date]:
        """P3's reference day(s): the day of issue or 1 September of the group's year, as the locality's
        `age_reference` says; both when the log never said (a cohort must fit on either)."""
        setting = self.placement.get(locality, {}).get("age_reference")
        september = _september(group)
        if setting == "issue_date":
            return [day]
        if setting == "september_1" and september:
            return [september]
        return [day] + ([september] if september else [])

    def _whole_cohort_fits(self, locality: str, group: Group, cohort: int, day: dt.date) -> bool:
        if group.kind != "general":
            return False
        for reference in self._references(locality, group, day):
            youngest, oldest = _ages(cohort, reference)
            if not (group.age_from <= youngest and oldest < group.age_to):
                return False
        return True

    def _check_holders(
        self, where: Where, publication: Publication, moment: dt.datetime, *, initial: bool
    ) -> None:
        """P2: holders were queued when named, in queue order, and no queued application of a holder's
        cohort that certainly fits the group and ranks above the holder was passed over."""
        day = moment.astimezone(LOCAL).date()
        named = [self._application(where, h) for h in publication.holders]
        for holder in named:
            if holder.locality != publication.locality:
                raise where.fail(f"holder {holder.number} is an application of {holder.locality!r}")
            if not holder.queued_on(day):
                raise where.fail(
                    f"publication {publication.number}: holder {holder.number} was not queued "
                    f"when named (status {holder.status})"
                )
        for earlier, later in itertools.pairwise(named):
            out_of_order = (later.tier == EXTRAORDINARY and earlier.tier != EXTRAORDINARY) or (
                later.tier == earlier.tier and later.key < earlier.key
            )
            if out_of_order:
                raise where.fail(
                    f"publication {publication.number}: holders not in queue order "
                    f"({earlier.number} named before {later.number})"
                )
        group = self.groups.get(publication.group)
        if group is None:
            return
        if initial and publication.passed_over is not None and publication.age_on is not None:
            self._check_line(where, publication, group, moment, publication.age_on, publication.passed_over)
            return
        exempt = set(publication.holders) | publication.former_holders
        for holder in named:
            if not self._whole_cohort_fits(publication.locality, group, holder.cohort, day):
                continue
            if self.unswept(publication.locality, holder.cohort, moment):
                continue
            self.holder_checks += 1
            for other in self.applications.values():
                if (
                    other.number in exempt
                    or other.locality != publication.locality
                    or other.cohort != holder.cohort
                    or not other.queued_on(day)
                ):
                    continue
                above = (other.tier == holder.tier and other.key < holder.key) or (
                    other.tier == EXTRAORDINARY and holder.tier != EXTRAORDINARY
                )
                if above:
                    raise where.fail(
                        f"publication {publication.number}: skipped holder — application {other.number} "
                        f"(cohort {other.cohort}, {other.tier}) ranks above holder {holder.number} "
                        f"and fits group {group.number}, but is not named"
                    )
        if (
            initial
            and self._policy(publication.locality) == "window"
            and publication.priority_until is not None
            and publication.priority_until > moment
            and len(named) < len(publication.places)
        ):
            # Fewer holders than places: every queued application that certainly fits had to be named.
            for other in self.applications.values():
                if (
                    other.number not in exempt
                    and other.locality == publication.locality
                    and other.queued_on(day)
                    and self._whole_cohort_fits(publication.locality, group, other.cohort, day)
                    and not self.unswept(publication.locality, other.cohort, moment)
                ):
                    raise where.fail(
                        f"publication {publication.number}: skipped holder — {len(publication.places)} "
                        f"places, {len(named)} holders, and application {other.number} (cohort "
                        f"{other.cohort}) fits group {group.number} but is not named"
                    )

    def _check_line(
        self,
        where: Where,
        publication: Publication,
        group: Group,
        moment: dt.datetime,
        age_on: dt.date,
        passed_over: list[int],
    ) -> None:
        """A5: the holders are the head of the line — every application of the cohorts in reach that took
        part in distribution, less those the publication passed over for their age, in Q4 order."""
        day = moment.astimezone(LOCAL).date()
        if group.kind != "general":
            raise where.fail(
                f"publication {publication.number}: passes applications over for their age in group "
                f"{group.number} of kind {group.kind} (only general groups publish the outcome)"
            )
        setting = self.placement.get(publication.locality, {}).get("age_reference")
        expected_on = {"issue_date": day, "september_1": _september(group)}.get(str(setting))
        if expected_on is not None and age_on != expected_on:
            raise where.fail(
                f"publication {publication.number}: ages counted on {age_on}, but the locality counts "
                f"them on {expected_on} ({setting})"
            )
        reach = [
            year
            for year in range(age_on.year - group.age_to, age_on.year - group.age_from + 1)
            if _ages(year, age_on)[1] >= group.age_from and _ages(year, age_on)[0] < group.age_to
        ]
        passed = set(passed_over)
        if len(passed) != len(passed_over):
            raise where.fail(f"publication {publication.number}: an application is passed over twice")
        for number in passed_over:
            other = self._application(where, number)
            youngest, oldest = _ages(other.cohort, age_on)
            if (
                other.locality != publication.locality
                or other.cohort not in reach
                or not other.queued_on(day)
                or number in publication.holders
            ):
                raise where.fail(
                    f"publication {publication.number}: application {number} is passed over for its age, "
                    "but it was not in line for this group"
                )
            if group.age_from <= youngest and oldest < group.age_to:
                raise where.fail(
                    f"publication {publication.number}: application {number} is passed over for its age, "
                    f"but every child born in {other.cohort} is {youngest}–{oldest} on {age_on}, "
                    f"ages group {group.number} admits ({group.age_from}–{group.age_to - 1})"
                )
        if any(self.unswept(publication.locality, year, moment) for year in reach):
            return
        limit = len(publication.places)
        heads: dict[str, list[Application]] = {tier: [] for tier in TIERS}
        for year in reach:
            for other in self.by_cohort.get((publication.locality, year), ()):
                if other.number not in passed and other.queued_on(day):
                    heads[other.tier].append(other)
        for tier, candidates in heads.items():
            heads[tier] = heapq.nsmallest(limit, candidates, key=lambda a: a.key)
        ratio = self.ratio.get(publication.locality, DEFAULT_RATIO)
        line = interleave(heads[EXTRAORDINARY], heads[FIRST_PRIORITY], heads[GENERAL], ratio)[:limit]
        self.lines_checked += 1
        for position, (named, due) in enumerate(itertools.zip_longest(publication.holders, line), 1):
            if due is not None and named != due.number:
                raise where.fail(
                    f"publication {publication.number}: skipped holder — application {due.number} "
                    f"({due.tier}, cohort {due.cohort}) is number {position} in line for group "
                    f"{group.number}, but is neither named nor passed over for its age"
                    + (f" (application {named} is named in its place)" if named is not None else "")
                )
            if due is None:
                raise where.fail(
                    f"publication {publication.number}: holder {named} is named, but only {len(line)} "
                    f"applications were in line for group {group.number}"
                )

    # ------------------------------------------------------------------------------- directions

    def _direction_issued(
        self, where: Where, subject: str, locality: str, data: dict[str, Any], occurred: dt.datetime
    ) -> None:
        number = int(subject)
        if number in self.directions:
            raise where.fail(f"direction {number} is issued again (a duplicated creation event)")
        application = self._application(where, data.get("application"))
        place = data.get("place")
        if type(place) is not int:
            raise where.fail(f"direction {number}: malformed place {place!r}")
        publication_number = self.place_publication.get(place)
        if publication_number is None:
            raise where.fail(
                f"extra direction with no publication: direction {number} takes place {place}, "
                "which no publication published"
            )
        if data.get("publication") != publication_number:
            raise where.fail(
                f"direction {number}: place {place} is of publication {publication_number}, "
                f"the direction names {data.get('publication')!r}"
            )
        if place in self.place_direction:
            raise where.fail(
                f"direction {number}: place {place} is already taken by direction "
                f"{self.place_direction[place]} (P4)"
            )
        if application.live_direction is not None:
            raise where.fail(
                f"second live direction of application {application.number}: direction {number} while "
                f"direction {application.live_direction} is live (P4)"
            )
        if application.locality != locality:
            raise where.fail(f"direction {number}: application {application.number} is of another locality")
        referred_here = application.status == "referred" and application.referred_to == number
        if not (referred_here or application.queued_on(occurred.astimezone(LOCAL).date())):
            raise where.fail(
                f"direction {number}: application {application.number} was not queued "
                f"(status {application.status})"
            )
        publication = self.publications[publication_number]
        by_right_of = data.get("by_right_of")
        if type(by_right_of) is not int:
            raise where.fail(f"direction {number}: malformed by_right_of {by_right_of!r}")
        window = publication.priority_until
        if window is not None and occurred < window and by_right_of not in publication.holders:
            raise where.fail(
                f"direction {number} to application {application.number} inside the priority window of "
                f"publication {publication_number} (until {window.isoformat()}) "
                f"by right of {by_right_of}, who is not a holder {publication.holders} (P2)"
            )
        state = data.get("state")
        if state not in LIVE_DIRECTION:
            raise where.fail(f"direction {number}: issued in state {state!r}")
        until = data.get("valid_until")
        self.directions[number] = Direction(
            number=number,
            locality=locality,
            application=application.number,
            place=place,
            publication=publication_number,
            by_right_of=by_right_of,
            state=str(state),
            issued_at=occurred,
            valid_until=None if until is None else parse_time(until, "valid_until"),
        )
        self.place_direction[place] = number
        application.live_direction = number

    def _direction_live(self, where: Where, subject: str) -> Direction:
        direction = self.directions.get(int(subject))
        if direction is None:
            raise where.fail(f"direction {subject} was never issued")
        if direction.state not in LIVE_DIRECTION:
            raise where.fail(f"direction {subject} changes but is not live (state {direction.state})")
        if where.kind in DIRECTION_END:
            application = self.applications[direction.application]
            if application.live_direction == direction.number:
                application.live_direction = None
        return direction

    def _direction_extended(self, where: Where, subject: str, data: dict[str, Any]) -> None:
        direction = self._direction_live(where, subject)
        until = parse_time(data["valid_until"], "valid_until")
        if direction.valid_until is not None and until <= direction.valid_until:
            raise where.fail(
                f"direction {direction.number}: an extension that does not extend "
                f"({direction.valid_until.isoformat()} → {until.isoformat()})"
            )
        direction.valid_until = until

    def direction_state(self, direction: Direction, now: dt.datetime) -> str:
        """The state the protocol shows now: a live direction past its deadline has expired (P5)."""
        if (
            direction.state in LIVE_DIRECTION
            and direction.valid_until is not None
            and direction.valid_until <= now
        ):
            return "expired"
        return direction.state


def replay_entries(entries: Iterable[bytes]) -> Replay:
    replay = Replay()
    for index, entry in enumerate(entries):
        replay.apply_entry(index, entry)
    return replay


# ------------------------------------------------------------------------------ the published lists


@dataclass
class ListReport:
    """What comparing the lists covered, and what it could not."""

    cohorts: int = 0
    rows: int = 0
    directions: int = 0
    skipped: list[str] = field(default_factory=list)


def _row_int(row: dict[str, Any], name: str, where: str) -> int:
    value = row.get(name)
    if type(value) is not int:
        raise VerificationFailed(f"{where}: malformed {name} {value!r}")
    return value


def compare_cohorts(
    replay: Replay, locality: str, rows: Iterable[dict[str, Any]], now: dt.datetime
) -> list[int]:
    """O4's cohort index against the replay: the cohorts with queued applications and their sizes."""
    day = now.astimezone(LOCAL).date()
    published: dict[int, int] = {}
    for row in rows:
        where = f"{locality}: cohort index"
        published[_row_int(row, "year", where)] = _row_int(row, "size", where)
    expected = {
        cohort: len(replay.cohort_order(locality, cohort, day)) for cohort in replay.cohorts(locality, day)
    }
    for cohort in sorted(set(published) | set(expected)):
        if replay.unswept(locality, cohort, now):
            continue
        if published.get(cohort, 0) != expected.get(cohort, 0):
            raise VerificationFailed(
                f"{locality}, cohort {cohort}: the cohort index shows {published.get(cohort, 0)} queued, "
                f"the log implies {expected.get(cohort, 0)}"
            )
    return sorted(set(published) | set(expected))


def compare_queue(
    replay: Replay, locality: str, cohort: int, rows: Iterable[dict[str, Any]], now: dt.datetime
) -> int:
    """O4's queue list of one cohort against the Q4 order the log implies: position, number, tier and
    registration time of every row; the first difference is a failure. Returns the rows compared."""
    day = now.astimezone(LOCAL).date()
    expected = replay.cohort_order(locality, cohort, day)
    count = 0
    for count, row in enumerate(rows, 1):
        where = f"{locality}, cohort {cohort}, position {count}"
        position, number = _row_int(row, "position", where), _row_int(row, "number", where)
        if position != count:
            raise VerificationFailed(f"{where}: the list shows position {position} in row {count}")
        if count > len(expected):
            raise VerificationFailed(
                f"{where}: expected the end of the queue ({len(expected)} queued), found application {number}"
            )
        want = expected[count - 1]
        if number != want.number:
            raise VerificationFailed(f"{where}: expected application {want.number}, found {number}")
        if row.get("tier") != want.tier:
            raise VerificationFailed(
                f"{where}: application {number} expected tier {want.tier}, found {row.get('tier')!r}"
            )
        if parse_time(row.get("registered_at"), f"{where} registered_at") != want.registered_at:
            raise VerificationFailed(
                f"{where}: application {number} expected registered_at {want.registered_at.isoformat()}, "
                f"found {row.get('registered_at')}"
            )
    if count < len(expected):
        want = expected[count]
        raise VerificationFailed(
            f"{locality}, cohort {cohort}, position {count + 1}: expected application {want.number}, "
            f"found the end of the list ({count} rows)"
        )
    return count


def compare_directions(
    replay: Replay, locality: str, rows: Iterable[dict[str, Any]], now: dt.datetime
) -> int:
    """O3's protocol against the log: every direction of the locality, with its application and its state
    now; as many staff-child rows (P7) as `enrollment.staff_child` events. Returns the directions."""
    mine = {n: d for n, d in replay.directions.items() if d.locality == locality}
    seen: set[int] = set()
    staff_children = 0
    for row in rows:
        if row.get("kind") == "staff_child":
            staff_children += 1
            continue
        where = f"{locality}: directions protocol"
        if row.get("kind") != "direction":
            raise VerificationFailed(f"{where}: unknown row kind {row.get('kind')!r}")
        number = _row_int(row, "number", where)
        direction = mine.get(number)
        if direction is None:
            raise VerificationFailed(f"{where}: direction {number} is not in the log")
        if number in seen:
            raise VerificationFailed(f"{where}: direction {number} is listed twice")
        seen.add(number)
        if row.get("application") != direction.application:
            raise VerificationFailed(
                f"{where}: direction {number} expected application {direction.application}, "
                f"found {row.get('application')!r}"
            )
        state = replay.direction_state(direction, now)
        if row.get("state") != state:
            raise VerificationFailed(
                f"{where}: direction {number} expected state {state}, found {row.get('state')!r}"
            )
    missing = sorted(set(mine) - seen)
    if missing:
        raise VerificationFailed(
            f"{locality}: directions protocol: direction {missing[0]} of the log is missing"
        )
    if staff_children != replay.staff_children.get(locality, 0):
        raise VerificationFailed(
            f"{locality}: directions protocol: {staff_children} staff children enrolled outside the queue, "
            f"the log has {replay.staff_children.get(locality, 0)} (P7)"
        )
    return len(seen)
