"""Deterministic generation of the demo data (no database access).

Every function takes a `random.Random` and draws from it in a fixed order, so the same seed always gives
the same rows. Facilities come out as unsaved model instances (the writer saves them in order); the
registry comes out in chunks of plain tuples, so `--scale country` never holds millions of objects.
"""

import datetime as dt
import math
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple, TypeVar

from kezek.core.iin import make_bin, make_iin
from kezek.facilities.models import (
    BaseFee,
    EducationDepartment,
    Group,
    Language,
    Locality,
    Organisation,
    Region,
)

from . import catalogue as cat

# The demo's fixed "today": children are born up to it, benefits start before it and end after it.
CHILD_BIRTH_FIRST = dt.date(2019, 1, 1)
CHILD_BIRTH_LAST = dt.date(2026, 10, 31)
PARENT_BIRTH_FIRST = dt.date(1975, 1, 1)
PARENT_BIRTH_LAST = dt.date(2002, 12, 31)
BENEFIT_END_FIRST = dt.date(2027, 1, 1)
BENEFIT_END_LAST = dt.date(2031, 12, 31)
ACADEMIC_YEAR = 2026
DEFAULT_SEED = 2026

# Share of (not large, not orphaned) families holding one of `cat.BENEFIT_CATEGORIES`: with large families
# and orphans about 12 % of the children have a first-priority benefit (Q4).
BENEFIT_FAMILY_SHARE = 0.095

# IIN serials: each (birth date, sex) starts at a serial below this and counts up (I1: 4 digits).
SERIAL_START_SPREAD = 2000


class SerialsExhausted(RuntimeError):
    """More than 10 000 persons share one birth date and sex."""


# ------------------------------------------------------------------------------------------- scales


@dataclass(frozen=True)
class ScaleSpec:
    """How much to generate: organisations per locality and the number of children in the registry."""

    name: str
    organisations: tuple[tuple[str, int], ...]  # (locality code, number of organisations), in order
    children: int
    kazakh_share: float  # share of Kazakh families (names, group languages)
    # Queue applications to load (see queue.py); None: one for every registry child under 7.
    applications: int | None = None


def _country_organisations(total: int) -> tuple[tuple[str, int], ...]:
    """Share `total` organisations over every place of the catalogue by population (largest remainder)."""
    places = [place for region in cat.ALL_REGIONS for place in region.places]
    weight_sum = sum(place.weight for place in places)
    quotas = [total * place.weight / weight_sum for place in places]
    counts = [max(1, math.floor(q)) for q in quotas]
    by_remainder = sorted(range(len(places)), key=lambda i: (counts[i] - quotas[i], i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return tuple((place.code, count) for place, count in zip(places, counts, strict=True))


SCALES: dict[str, ScaleSpec] = {
    # `make run` loads this one on every fresh start: two localities, a few thousand children.
    "small": ScaleSpec(
        "small",
        (("ust-kamenogorsk", 18), ("ridder", 6), ("glubokoe", 2)),  # glubokoe: vouchers (kezek.demo.vouchers)
        children=8_000,  # most seats taken (kezek.demo.records), a queue of thousands left
        kazakh_share=0.55,
    ),
    # About one Kazakh city (cf. the INDIGO figures for Ust-Kamenogorsk: 344 organisations, 108 344
    # applications), with the districts around it.
    "region": ScaleSpec(
        "region",
        (
            ("ust-kamenogorsk", 240),
            ("ridder", 28),
            ("altai", 24),
            ("glubokoe", 18),
            ("shemonaikha", 15),
            ("ulan", 13),
            ("zaisan", 12),
        ),
        children=110_000,
        kazakh_share=0.55,
    ),
    # Every region of the catalogue, for benchmarks.
    "country": ScaleSpec(
        "country",
        _country_organisations(12_000),
        children=2_000_000,
        kazakh_share=0.7,
        applications=1_000_000,
    ),
}


def places_of(spec: ScaleSpec) -> list[tuple[cat.RegionSpec, cat.PlaceSpec, int]]:
    """(region, place, organisation count) for every locality of the scale, in catalogue order."""
    wanted = dict(spec.organisations)
    unknown = set(wanted) - {p.code for r in cat.ALL_REGIONS for p in r.places}
    if unknown:
        raise ValueError(f"unknown locality codes in scale {spec.name!r}: {sorted(unknown)}")
    return [
        (region, place, wanted[place.code])
        for region in cat.ALL_REGIONS
        for place in region.places
        if place.code in wanted
    ]


# ------------------------------------------------------------------------------------------ helpers


def _random_date(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return dt.date.fromordinal(rng.randint(first.toordinal(), last.toordinal()))


T = TypeVar("T")


def weighted_choice(rng: random.Random, options: Sequence[tuple[float, T]]) -> T:
    """One of `options` ((weight, value), …) in proportion to the weights."""
    total = sum(weight for weight, _value in options)
    point = rng.random() * total
    for weight, value in options:
        point -= weight
        if point < 0:
            return value
    return options[-1][1]


def format_phone(rng: random.Random, area_code: str) -> str:
    """A landline number of the area: "+7 (7232) 24-00-87" (ten digits after +7)."""
    local_digits = 10 - len(area_code)
    first = str(rng.randint(2, 7))
    rest = "".join(str(rng.randint(0, 9)) for _ in range(local_digits - 1))
    number = first + rest
    head = number[: local_digits - 4]
    return f"+7 ({area_code}) {head}-{number[-4:-2]}-{number[-2:]}"


def _coordinate(rng: random.Random, centre: float, spread: float) -> Decimal:
    return Decimal(f"{centre + rng.gauss(0.0, spread):.6f}")


def random_address(rng: random.Random, place: cat.PlaceSpec) -> str:
    street = rng.choice(place.streets or cat.GENERIC_STREETS)
    house = str(rng.randint(1, 160))
    if rng.random() < 0.15:
        house += f"/{rng.randint(1, 9)}"
    if place.kind == "city":
        return f"г. {place.name_ru}, {street}, д. {house}"
    return f"{place.name_ru}, {place.centre}, {street}, д. {house}"


def district_genitive(name_ru: str) -> str:
    """ "Глубоковский район" → "Глубоковского района" (every district of the catalogue is of this shape)."""
    if not name_ru.endswith("ий район"):
        raise ValueError(f"cannot decline {name_ru!r}")
    return name_ru[: -len("ий район")] + "ого района"


class BinAllocator:
    """Unique, valid BINs (I2): the serial only ever grows, so no BIN repeats whatever the date."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._serial = rng.randint(1_000, 20_000)

    def allocate(self, *, branch: bool) -> str:
        registered = _random_date(self._rng, dt.date(1995, 1, 1), dt.date(2024, 12, 31))
        while True:
            self._serial += self._rng.randint(1, 5)
            if self._serial > 99_999:
                raise SerialsExhausted("BIN serials exhausted")
            value = make_bin(
                registered=registered, entity_type=4, attribute=1 if branch else 0, serial=self._serial
            )
            if value is not None:
                return value


class IinAllocator:
    """Unique, valid IINs (I1): a counter per (birth date, sex); serials with no check digit are skipped."""

    def __init__(self) -> None:
        self._next: dict[int, int] = {}

    def allocate(self, birth_date: dt.date, sex: str) -> str:
        key = birth_date.toordinal() * 2 + (sex == "F")
        serial = self._next.get(key)
        if serial is None:
            serial = (key * 7919) % SERIAL_START_SPREAD
        while True:
            if serial > 9999:
                raise SerialsExhausted(f"no IIN serials left for {birth_date} {sex}")
            value = make_iin(birth_date=birth_date, sex=sex, serial=serial)
            serial += 1
            if value is not None:
                self._next[key] = serial
                return value


# --------------------------------------------------------------------------------------- facilities


@dataclass
class OrganisationPlan:
    organisation: Organisation
    groups: list[Group]
    fees: list[BaseFee]


@dataclass
class LocalityPlan:
    locality: Locality
    department: EducationDepartment
    organisations: list[OrganisationPlan] = field(default_factory=list)


def plan_region(region: cat.RegionSpec) -> Region:
    return Region(code=region.code, name_ru=region.name_ru, name_kk=region.name_kk)


def plan_locality(
    rng: random.Random,
    *,
    region_spec: cat.RegionSpec,
    region: Region,
    place: cat.PlaceSpec,
    organisations: int,
    bins: BinAllocator,
    kazakh_share: float,
) -> LocalityPlan:
    """A locality, its education department and its organisations with groups and base fees."""
    locality = Locality(
        region=region, code=place.code, name_ru=place.name_ru, name_kk=place.name_kk, kind=place.kind
    )
    department = plan_department(rng, region_spec=region_spec, place=place, locality=locality)
    plan = LocalityPlan(locality=locality, department=department)
    naming = LocalityNaming(rng)
    for _ in range(organisations):
        plan.organisations.append(
            plan_organisation(
                rng,
                place=place,
                locality=locality,
                department=department,
                naming=naming,
                bins=bins,
                kazakh_share=kazakh_share,
            )
        )
    return plan


def plan_department(
    rng: random.Random, *, region_spec: cat.RegionSpec, place: cat.PlaceSpec, locality: Locality
) -> EducationDepartment:
    """The locality's education department, named in both languages."""
    if region_spec.republican_city:
        name_ru = f"Управление образования г. {place.name_ru}"
        name_kk = f"{place.name_kk} қаласының білім басқармасы"
    elif place.kind == "city":
        name_ru = f"Отдел образования г. {place.name_ru}"
        name_kk = f"{place.name_kk} қаласының білім бөлімі"
    else:
        name_ru = f"Отдел образования {district_genitive(place.name_ru)}"
        name_kk = f"{place.name_kk}ның білім бөлімі"
    return EducationDepartment(
        locality=locality,
        name_ru=name_ru,
        name_kk=name_kk,
        phone=format_phone(rng, place.area_code),
        email=f"edu-{place.code}@gov.kz",
        address=random_address(rng, place),
    )


_HOURS: tuple[tuple[float, tuple[dt.time, dt.time]], ...] = (
    (70, (dt.time(7, 0), dt.time(19, 0))),
    (10, (dt.time(7, 30), dt.time(18, 30))),
    (8, (dt.time(8, 0), dt.time(18, 0))),
    (7, (dt.time(7, 0), dt.time(18, 0))),
    (5, (dt.time(8, 0), dt.time(20, 0))),
)

_LADDER: tuple[tuple[int, int], ...] = ((1, 2), (2, 3), (3, 4), (4, 5), (5, 6))

_MINI_CENTRE_AGES: tuple[tuple[tuple[int, int], ...], ...] = (
    ((1, 3), (3, 6)),
    ((2, 4), (4, 7)),
    ((3, 5), (5, 7)),
    ((1, 3), (3, 5), (5, 7)),
    ((2, 3), (3, 5), (5, 6)),
    ((1, 2), (2, 3), (3, 4), (4, 6)),
    ((2, 3), (3, 4), (4, 5), (5, 7)),
)


class LocalityNaming:
    """Numbers and names within one locality: state kindergartens are numbered 1, 2, …; school numbers
    and proper names («Балдырған») repeat only once their pool is used up."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._state_number = 0
        self._schools: list[int] = []
        self._names: dict[bool, list[str]] = {True: [], False: []}

    def state_number(self) -> int:
        self._state_number += 1
        return self._state_number

    def school_number(self) -> int:
        if not self._schools:
            self._schools = list(range(1, 121))
            self._rng.shuffle(self._schools)
        return self._schools.pop()

    def proper_name(self) -> str:
        kazakh = self._rng.random() < 0.6
        names = self._names[kazakh]
        if not names:
            names.extend(cat.KINDERGARTEN_NAMES_KK if kazakh else cat.KINDERGARTEN_NAMES_RU)
            self._rng.shuffle(names)
        return names.pop()


def _organisation_name(
    rng: random.Random, naming: LocalityNaming, *, kind: str, state: bool, branch: bool
) -> tuple[str, str, str]:
    """(name_ru, name_kk, ascii slug) in the styles of the INDIGO passports."""
    proper = naming.proper_name()
    slug = cat.slugify_ascii(proper)
    number = naming.state_number() if state and kind != Organisation.Kind.MINI_CENTRE else 0
    if kind == Organisation.Kind.MINI_CENTRE:
        if state:
            school = naming.school_number()
            return (
                f"Мини-центр «{proper}» при школе № {school}",
                f"№ {school} мектеп жанындағы «{proper}» шағын орталығы",
                f"mc{school}-{slug}",
            )
        return f"Мини-центр «{proper}»", f"«{proper}» шағын орталығы", f"mc-{slug}"
    if kind == Organisation.Kind.SANATORIUM:
        if state:
            return (
                f"Санаторный ясли-сад № {number} «{proper}»",
                f"№ {number} «{proper}» санаторлық бөбекжай-бақшасы",
                f"sds{number}-{slug}",
            )
        return f"Санаторный детский сад «{proper}»", f"«{proper}» санаторлық балабақшасы", f"sds-{slug}"
    if state:
        if rng.random() < 0.35:
            return (
                f"Ясли-сад № {number} «{proper}»",
                f"№ {number} «{proper}» бөбекжай-бақшасы",
                f"ys{number}-{slug}",
            )
        return (
            f"Детский сад № {number} «{proper}»",
            f"№ {number} «{proper}» балабақшасы",
            f"ds{number}-{slug}",
        )
    if branch:
        return f"Детский сад «{proper}» (филиал)", f"«{proper}» балабақшасы (филиалы)", f"ds-{slug}-f"
    return f"Детский сад «{proper}»", f"«{proper}» балабақшасы", f"ds-{slug}"


def plan_organisation(
    rng: random.Random,
    *,
    place: cat.PlaceSpec,
    locality: Locality,
    department: EducationDepartment,
    naming: LocalityNaming,
    bins: BinAllocator,
    kazakh_share: float,
) -> OrganisationPlan:
    """One organisation with its passport, groups and (private ones) base fees."""
    roll = rng.random()
    if roll < 0.85:
        kind = Organisation.Kind.KINDERGARTEN
        private = rng.random() < 0.45
    elif roll < 0.95:
        kind = Organisation.Kind.MINI_CENTRE
        private = rng.random() < 0.25
    else:
        kind = Organisation.Kind.SANATORIUM
        private = rng.random() < 0.05
    branch = private and rng.random() < 0.08
    name_ru, name_kk, slug = _organisation_name(rng, naming, kind=kind, state=not private, branch=branch)

    week_roll = rng.random()
    if week_roll < 0.04:
        work_week = Organisation.WorkWeek.ROUND_THE_CLOCK
        opens_at, closes_at = dt.time(0, 0), dt.time(23, 59)
    else:
        work_week = Organisation.WorkWeek.SIX_DAY if week_roll < 0.14 else Organisation.WorkWeek.FIVE_DAY
        opens_at, closes_at = weighted_choice(rng, _HOURS)

    equipment: list[str] = []
    if kind == Organisation.Kind.SANATORIUM:
        equipment = ["Кабинет ЛФК", "Соляная комната"]
    elif rng.random() < 0.35:
        equipment = rng.sample(cat.EXTRA_EQUIPMENT, rng.randint(1, 3))
    spread = 0.12 if place.kind == "district" else min(0.08, max(0.015, 0.02 * math.sqrt(place.weight / 100)))
    organisation = Organisation(
        bin=bins.allocate(branch=branch),
        locality=locality,
        department=department,
        name_ru=name_ru,
        name_kk=name_kk,
        kind=kind,
        ownership=Organisation.Ownership.PRIVATE if private else Organisation.Ownership.STATE,
        work_week=work_week,
        opens_at=opens_at,
        closes_at=closes_at,
        duty_group=rng.choice(cat.DUTY_GROUPS) if rng.random() < 0.2 else "",
        extra_equipment=", ".join(equipment),
        phone=format_phone(rng, place.area_code) if rng.random() < 0.9 else "",
        website=f"https://{slug}.kz" if rng.random() < (0.4 if private else 0.15) else "",
        email=f"{slug}@mail.kz" if rng.random() < 0.6 else "",
        address=random_address(rng, place),
        latitude=_coordinate(rng, place.latitude, spread),
        longitude=_coordinate(rng, place.longitude, spread * 1.4),
    )
    groups = plan_groups(rng, organisation=organisation, kazakh_share=kazakh_share)
    fees = plan_fees(rng, organisation=organisation, groups=groups) if private else []
    return OrganisationPlan(organisation=organisation, groups=groups, fees=fees)


def _age_ranges(rng: random.Random, kind: str) -> list[tuple[int, int]]:
    """Age ranges [from, to) of an organisation's groups, youngest first (parallel groups repeat a range)."""
    if kind == Organisation.Kind.MINI_CENTRE:
        return list(rng.choice(_MINI_CENTRE_AGES))
    if kind == Organisation.Kind.SANATORIUM:
        count = rng.randint(4, 6)
        ladder = [(2, 3), (3, 4), (4, 5), (5, 6)]
    else:
        count = rng.randint(4, 8)
        ladder = list(_LADDER)
        if rng.random() < 0.1:
            ladder[0:2] = [(1, 3)]
    if rng.random() < 0.15:
        ladder[-1] = (5, 7)
    elif rng.random() < 0.1:
        ladder.append((6, 7))
    while len(ladder) > count:
        ladder.pop(0)  # no nursery groups
    older = [ages for ages in ladder if ages[0] >= 2] or ladder
    while len(ladder) < count:
        ladder.append(rng.choice(older))
    return sorted(ladder)


def plan_groups(rng: random.Random, *, organisation: Organisation, kazakh_share: float) -> list[Group]:
    """4–8 groups (mini-centres 2–4) covering ages 1 to 6/7, in Kazakh and/or Russian."""
    kind = organisation.kind
    mode = weighted_choice(
        rng, [(kazakh_share * 0.6, "kk"), ((1 - kazakh_share) * 0.6, "ru"), (0.4, "mixed")]
    )
    used: set[str] = set()
    groups: list[Group] = []
    for age_from, age_to in _age_ranges(rng, kind):
        if mode == "mixed":
            language = Language.KAZAKH if rng.random() < kazakh_share else Language.RUSSIAN
        else:
            language = Language(mode)
        group_kind = Group.Kind.GENERAL
        if kind == Organisation.Kind.SANATORIUM:
            group_kind = Group.Kind.SANATORIUM
        elif kind == Organisation.Kind.KINDERGARTEN and age_from >= 3:
            roll = rng.random()
            if roll < 0.04:
                group_kind = Group.Kind.CORRECTIONAL
            elif roll < 0.06:
                group_kind = Group.Kind.SANATORIUM
        if group_kind == Group.Kind.CORRECTIONAL:
            capacity = rng.randint(10, 15)
        elif age_to <= 3:
            capacity = rng.randint(10, 20)
        else:
            capacity = rng.randint(15, 30)
        pool = cat.GROUP_NAMES_KK if language == Language.KAZAKH else cat.GROUP_NAMES_RU
        free = [name for name in pool if name not in used]
        name = rng.choice(free)
        used.add(name)
        groups.append(
            Group(
                organisation=organisation,
                name=name,
                age_from=age_from,
                age_to=age_to,
                language=language,
                kind=group_kind,
                capacity=capacity,
                academic_year=ACADEMIC_YEAR,
            )
        )
    return groups


def plan_fees(rng: random.Random, *, organisation: Organisation, groups: Sequence[Group]) -> list[BaseFee]:
    """Base monthly fees of a private organisation, one per age its groups start at."""
    base = rng.randrange(15_000, 60_001, 500)
    nursery_extra = rng.choice((0, 0, 2_000, 5_000))
    fees: dict[int, BaseFee] = {}
    for group in groups:
        if group.age_from not in fees:
            fees[group.age_from] = BaseFee(
                organisation=organisation,
                age_from=group.age_from,
                age_to=group.age_to,
                monthly_fee=base + (nursery_extra if group.age_from < 3 else 0),
            )
    return list(fees.values())


# ----------------------------------------------------------------------------------------- registry


class PersonRow(NamedTuple):
    iin: str
    last_name: str
    first_name: str
    middle_name: str
    birth_date: dt.date
    sex: str


class BenefitRow(NamedTuple):
    person: int  # index into RegistryChunk.persons
    category: str
    valid_from: dt.date
    valid_to: dt.date | None


@dataclass
class RegistryChunk:
    """Families: persons (parents then children), parent → child links and benefits, by index."""

    persons: list[PersonRow] = field(default_factory=list)
    kinships: list[tuple[int, int]] = field(default_factory=list)
    benefits: list[BenefitRow] = field(default_factory=list)
    children: int = 0
    parents: int = 0
    families: int = 0


_RU_MEN_BY_NAME = {man.name: man for man in cat.RU_MEN}
_CHILD_NAMES = {
    (True, True): cat.KK_BOYS,
    (True, False): cat.KK_GIRLS,
    (False, True): cat.RU_BOYS,
    (False, False): cat.RU_GIRLS,
}

_CHILD_FIRST = CHILD_BIRTH_FIRST.toordinal()
_CHILD_LAST = CHILD_BIRTH_LAST.toordinal()
_PARENT_FIRST = PARENT_BIRTH_FIRST.toordinal()
_PARENT_LAST = PARENT_BIRTH_LAST.toordinal()
_YEAR = 365.25


class _Names(NamedTuple):
    surname: str  # male form
    father: str  # the father's first name (also when he is not in the registry)
    kazakh: bool
    plain: bool  # parents' names in the Russian alphabet only
    russian_style: bool  # Kazakh family giving its children "-ович/-овна" patronymics


def _adult_patronymic(rng: random.Random, names: _Names, *, son: bool) -> str:
    if not names.kazakh:
        grandfather = rng.choice(cat.RU_MEN)
        return grandfather.son if son else grandfather.daughter
    grandfather_kk = rng.choice(cat.KK_MEN)
    if rng.random() < (0.6 if names.plain else 0.2):
        russian = cat.russian_style_patronymic(grandfather_kk, son=son)
        if russian is not None:
            return russian
    if names.plain:
        return cat.plain_spelling(cat.kazakh_patronymic(grandfather_kk, son=son))
    return cat.kazakh_patronymic(grandfather_kk, son=son)


def _child_patronymic(rng: random.Random, names: _Names, *, son: bool) -> str:
    if not names.kazakh:
        father = _RU_MEN_BY_NAME[names.father]
        return father.son if son else father.daughter
    if names.russian_style:
        russian = cat.russian_style_patronymic(names.father, son=son)
        if russian is not None:
            return russian
    return cat.kazakh_patronymic(names.father, son=son)


def _birth_within(rng: random.Random, wanted: int, low: int, high: int) -> int:
    """`wanted` (a date ordinal) if within [low, high], else a uniform draw from it.

    Redrawing instead of clamping keeps births from piling up on the edge dates (whose IIN serials would
    run out at country scale)."""
    return wanted if low <= wanted <= high else rng.randint(low, high)


def _benefit_row(
    rng: random.Random, person: int, category: str, birth: dt.date, *, ending: float
) -> BenefitRow:
    start = min(birth.toordinal() + rng.randint(30, 900), _CHILD_LAST)
    valid_to = _random_date(rng, BENEFIT_END_FIRST, BENEFIT_END_LAST) if rng.random() < ending else None
    return BenefitRow(person, category, dt.date.fromordinal(start), valid_to)


def _add_family(
    rng: random.Random, chunk: RegistryChunk, iins: IinAllocator, *, max_children: int, kazakh_share: float
) -> None:
    """Append one family: 1–3 children (some twins), 1–2 parents (none for orphans), maybe benefits."""
    orphan = rng.random() < 0.004
    roll = rng.random()
    size = min(max_children, 1 if orphan or roll < 0.66 else 2 if roll < 0.91 else 3)
    twins = size >= 2 and rng.random() < 0.07
    births_needed = size - 1 if twins else size
    # Children's birth dates: the eldest first, then 13 months to 4 years apart.
    eldest = rng.randint(_CHILD_FIRST, max(_CHILD_FIRST, _CHILD_LAST - (births_needed - 1) * 400))
    births = [eldest]
    while len(births) < births_needed:
        following = births[-1] + rng.randint(400, 1400)
        if following > _CHILD_LAST:
            break
        births.append(following)
    if twins and len(births) == births_needed:
        births.append(births[-1])
    kazakh = rng.random() < kazakh_share
    if kazakh:
        plain = rng.random() < 0.55
        russian_style = rng.random() < (0.4 if plain else 0.1)
        names = _Names(rng.choice(cat.KK_SURNAMES), rng.choice(cat.KK_MEN), True, plain, russian_style)
    else:
        names = _Names(rng.choice(cat.RU_SURNAMES), rng.choice(cat.RU_MEN).name, False, True, True)

    parents: list[int] = []
    if not orphan:
        roll = rng.random()
        with_mother = roll < 0.97
        with_father = roll < 0.86 or roll >= 0.97
        mother_birth = _birth_within(
            rng,
            eldest - round(rng.gauss(28, 5) * _YEAR),
            max(_PARENT_FIRST, eldest - round(42 * _YEAR)),
            min(_PARENT_LAST, eldest - round(19 * _YEAR)),
        )
        if with_father:
            father_birth = _birth_within(
                rng,
                mother_birth - round(rng.gauss(3, 3) * _YEAR),
                max(_PARENT_FIRST, mother_birth - round(12 * _YEAR)),
                min(_PARENT_LAST, mother_birth + round(2 * _YEAR), eldest - round(18 * _YEAR)),
            )
            birth = dt.date.fromordinal(father_birth)
            first = cat.plain_spelling(names.father) if names.plain else names.father
            parents.append(len(chunk.persons))
            chunk.persons.append(
                PersonRow(
                    iins.allocate(birth, "M"),
                    names.surname,
                    first,
                    _adult_patronymic(rng, names, son=True),
                    birth,
                    "M",
                )
            )
        if with_mother:
            birth = dt.date.fromordinal(mother_birth)
            if kazakh:
                first = rng.choice(cat.KK_WOMEN)
                first = cat.plain_spelling(first) if names.plain else first
                own = rng.random() < 0.35
                surname = cat.feminine_surname(rng.choice(cat.KK_SURNAMES) if own else names.surname)
            else:
                first = rng.choice(cat.RU_WOMEN)
                own = rng.random() < 0.15
                surname = cat.feminine_surname(rng.choice(cat.RU_SURNAMES) if own else names.surname)
            parents.append(len(chunk.persons))
            chunk.persons.append(
                PersonRow(
                    iins.allocate(birth, "F"),
                    surname,
                    first,
                    _adult_patronymic(rng, names, son=False),
                    birth,
                    "F",
                )
            )
    no_father_named = not orphan and len(parents) == 1 and chunk.persons[parents[0]].sex == "F"

    children: list[int] = []
    given: set[str] = set()
    for ordinal in births:
        birth = dt.date.fromordinal(ordinal)
        son = rng.random() < 0.512
        pool = _CHILD_NAMES[kazakh, son]
        first = rng.choice(pool)
        while first in given:
            first = rng.choice(pool)
        given.add(first)
        middle = "" if no_father_named and rng.random() < 0.3 else _child_patronymic(rng, names, son=son)
        surname = names.surname if son else cat.feminine_surname(names.surname)
        sex = "M" if son else "F"
        children.append(len(chunk.persons))
        chunk.persons.append(PersonRow(iins.allocate(birth, sex), surname, first, middle, birth, sex))
    for parent in parents:
        for child in children:
            chunk.kinships.append((parent, child))

    # Benefits (Q4 first-priority categories), recorded on the child's IIN.
    if orphan:
        for child in children:
            row = chunk.persons[child]
            chunk.benefits.append(_benefit_row(rng, child, "orphan", row.birth_date, ending=0.0))
    elif len(children) == 3 and rng.random() < 0.3:
        for child in children:
            row = chunk.persons[child]
            chunk.benefits.append(_benefit_row(rng, child, "large_family", row.birth_date, ending=0.4))
    elif rng.random() < BENEFIT_FAMILY_SHARE:
        category = weighted_choice(rng, [(c.weight, c) for c in cat.BENEFIT_CATEGORIES])
        holders = children if category.family_wide else [rng.choice(children)]
        for child in holders:
            row = chunk.persons[child]
            ending = 0.7 if category.code == "disabled_child" else 0.45
            chunk.benefits.append(_benefit_row(rng, child, category.code, row.birth_date, ending=ending))
    chunk.children += len(children)
    chunk.parents += len(parents)
    chunk.families += 1


def generate_registry(
    rng: random.Random, *, children: int, kazakh_share: float, chunk_children: int = 20_000
) -> Iterator[RegistryChunk]:
    """Families until `children` children exist, in chunks of about `chunk_children` children.

    IINs are unique across all chunks (one allocator), valid (I1) and encode the person's birth date and
    sex. Each chunk's indices refer to its own `persons` list.
    """
    iins = IinAllocator()
    made = 0
    while made < children:
        chunk = RegistryChunk()
        while chunk.children < chunk_children and made + chunk.children < children:
            _add_family(
                rng, chunk, iins, max_children=children - made - chunk.children, kazakh_share=kazakh_share
            )
        made += chunk.children
        yield chunk
