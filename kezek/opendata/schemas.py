"""Open data API schemas: filters (validated: a bad date or age range is a 422) and the public rows (O5: no
names, IINs, phones or addresses of people; queue rows carry initials only)."""

import datetime as dt
import re
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import Field, StringConstraints, model_validator

from kezek.waitlist.schemas import QueueRowOut

from .selectors import AgeRange, DecisionRow, DirectionFilters, DirectionRow, PublicationFilters

__all__ = [
    "CohortOut",
    "CohortPath",
    "DecisionOut",
    "DirectionOut",
    "DirectionQuery",
    "FiguresOut",
    "GroupSeatsOut",
    "GroupSeatsQuery",
    "LocalityPath",
    "PublicationOut",
    "PublicationQuery",
    "QueueRowOut",
    "parse_age_range",
]

MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
AGE_RANGE_RE = re.compile(r"^([0-7])-([1-8])$")
AgeRangeParam = Annotated[str, StringConstraints(pattern=AGE_RANGE_RE.pattern)]
LanguageCode = Literal["kk", "ru", "en", "uz", "ug"]
LOCALITY_CODE = r"^[-a-zA-Z0-9_]+$"  # a slug, as `Locality.code`
NO_CONTROL_CHARACTERS = r"^[^\x00-\x1f]*$"  # PostgreSQL refuses NUL in text: a 422, not a 500


def parse_age_range(value: str) -> AgeRange | None:
    """ "3-5" → (3, 5): a group's range [from, to) in full years; None when malformed or empty."""
    match = AGE_RANGE_RE.match(value.strip())
    if match is None:
        return None
    age_from, age_to = int(match.group(1)), int(match.group(2))
    return (age_from, age_to) if age_from < age_to else None


def _ages(values: list[str]) -> tuple[AgeRange, ...]:
    ranges = []
    for value in values:
        parsed = parse_age_range(value)
        if parsed is None:
            raise ValueError(f"age range {value!r}: write it as from-to in years, from < to, e.g. 3-5")
        ranges.append(parsed)
    return tuple(dict.fromkeys(ranges))


class PublicationQuery(Schema):
    """O2 filters. Repeat `ownership` and `age` to select several values."""

    date_from: dt.date | None = Field(None, ge=MIN_DATE, le=MAX_DATE, description="Published on or after")
    date_to: dt.date | None = Field(None, ge=MIN_DATE, le=MAX_DATE, description="Published on or before")
    ownership: list[Literal["state", "private"]] = Field(default_factory=list)
    kind: Literal["general", "correctional", "sanatorium"] | None = Field(None, description="Group kind")
    age: list[AgeRangeParam] = Field(
        default_factory=list, max_length=30, description='Age ranges of the group, e.g. "3-5"'
    )
    organisation: str = Field(
        "", max_length=100, pattern=NO_CONTROL_CHARACTERS, description="Part of the organisation's name"
    )

    @model_validator(mode="after")
    def _check(self) -> "PublicationQuery":
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from must not be after date_to")
        _ages(self.age)
        return self

    def filters(self) -> PublicationFilters:
        return PublicationFilters(
            date_from=self.date_from,
            date_to=self.date_to,
            ownership=tuple(dict.fromkeys(self.ownership)),
            kind=self.kind,
            ages=_ages(self.age),
            organisation=self.organisation.strip(),
        )


class DirectionQuery(Schema):
    """O3 filters; none of them shows every direction. Repeat `language` and `age` to select several."""

    language: list[LanguageCode] = Field(default_factory=list)
    age: list[AgeRangeParam] = Field(
        default_factory=list, max_length=30, description='Age ranges of the group, e.g. "3-5"'
    )
    organisation: str = Field(
        "", max_length=100, pattern=NO_CONTROL_CHARACTERS, description="Part of the organisation's name"
    )

    @model_validator(mode="after")
    def _check(self) -> "DirectionQuery":
        _ages(self.age)
        return self

    def filters(self) -> DirectionFilters:
        return DirectionFilters(
            languages=tuple(dict.fromkeys(self.language)),
            ages=_ages(self.age),
            organisation=self.organisation.strip(),
        )


class LocalityPath(Schema):
    locality: str = Field(max_length=40, pattern=LOCALITY_CODE, description="Locality code")


class CohortPath(LocalityPath):
    cohort: int = Field(ge=2000, le=2100, description="Birth year")


class FiguresOut(Schema):
    locality: str
    as_of: dt.date
    recent_days: int
    organisations: int
    free_places: int
    queued: int
    enrolled_recently: int
    left_recently: int


class OrganisationRefOut(Schema):
    id: int
    name_ru: str
    name_kk: str


class PublicationOrganisationOut(OrganisationRefOut):
    address: str
    ownership: str


class PublicationGroupOut(Schema):
    name: str
    age_from: int
    age_to: int
    language: str
    kind: str


class PublicationOut(Schema):
    """A row of the protocol of freed places (O2)."""

    number: int = Field(alias="pk")
    published_at: dt.datetime
    priority_until: dt.datetime
    places: int
    cause: str
    policy: str
    organisation: PublicationOrganisationOut = Field(alias="group.organisation")
    group: PublicationGroupOut


class GroupSeatsQuery(Schema):
    organisation_id: int | None = Field(
        None, ge=1, le=2_147_483_647, description="Only the groups of this organisation"
    )


class GroupSeatsOut(Schema):
    """A group's seats (P1): capacity = enrolled + live_directions + open_places + unpublished, where
    unpublished (seats nobody holds nor has published yet) is 0 but until the next `tick`."""

    id: int
    name: str
    age_from: int
    age_to: int
    language: str
    kind: str
    organisation: OrganisationRefOut
    capacity: int
    enrolled: int
    live_directions: int
    open_places: int
    unpublished: int


class DirectionGroupOut(Schema):
    age_from: int
    age_to: int
    language: str


class DirectionOut(Schema):
    """A row of the protocol of directions (O3). `kind` "staff_child": a child of the kindergarten's staff
    enrolled outside the queue (P7) — no direction and no application number."""

    kind: Literal["direction", "staff_child"]
    number: int | None
    application: int | None
    issued_at: dt.datetime | None
    valid_until: dt.datetime | None
    enrolled_on: dt.date | None
    state: str
    staff_child: bool
    organisation: OrganisationRefOut
    group: DirectionGroupOut

    @staticmethod
    def resolve_organisation(obj: DirectionRow) -> dict[str, Any]:
        return {
            "id": obj.organisation_id,
            "name_ru": obj.organisation_name_ru,
            "name_kk": obj.organisation_name_kk,
        }

    @staticmethod
    def resolve_group(obj: DirectionRow) -> dict[str, Any]:
        return {"age_from": obj.age_from, "age_to": obj.age_to, "language": obj.language}


class CohortOut(Schema):
    year: int
    size: int


DecisionAct = Literal[
    "stop_listed",
    "restored",
    "withdrawn",
    "benefit_decided",
    "staff_child_enrolled",
    "access_first_approved",
    "access_approved",
    "access_rejected",
    "other",
]


class DecisionOut(Schema):
    """The redacted public line of a discretionary staff act (D1): the act, its public subject, the number
    of the document it rests on and the SHA-256 of its kept basis, as on the ledger event `seq`. The
    reason itself is not public. `application`: the application's number (as in the queue lists), when
    the act concerns one; `organisation`: the kindergarten of a staff child enrolled outside the queue
    (P7); `region_wide`: an act of the region's cabinet (an access request), of no locality."""

    seq: int
    occurred_at: dt.datetime
    kind: str = Field(description="The ledger event's kind, e.g. application.stop_listed")
    act: DecisionAct
    outcome: Literal["", "manual", "benefit_rejected", "confirmed", "rejected"] = Field(
        description="stop_listed: manual or benefit_rejected; benefit_decided: confirmed or rejected"
    )
    application: int | None
    organisation: OrganisationRefOut | None
    region_wide: bool
    document_number: str
    basis_hash: str

    @staticmethod
    def resolve_organisation(obj: DecisionRow) -> dict[str, Any] | None:
        if obj.organisation_id is None:
            return None
        return {
            "id": obj.organisation_id,
            "name_ru": obj.organisation_name_ru,
            "name_kk": obj.organisation_name_kk,
        }
