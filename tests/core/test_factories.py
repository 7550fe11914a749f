"""The factories save valid rows, and the database refuses rows that break the models' check constraints."""

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import DataError, IntegrityError, models, transaction

from kezek.core.iin import is_valid_bin, parse_iin
from kezek.facilities.models import Organisation
from tests.factories import (
    BaseFeeFactory,
    EducationDepartmentFactory,
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegionFactory,
    RegistryBenefitFactory,
    RegistryKinshipFactory,
    RegistryPersonFactory,
)
from tests.factories.facilities import sequence_bin
from tests.factories.registry import sequence_iin

pytestmark = pytest.mark.django_db

ALL_FACTORIES = [
    RegionFactory,
    LocalityFactory,
    EducationDepartmentFactory,
    OrganisationFactory,
    BaseFeeFactory,
    GroupFactory,
    RegistryPersonFactory,
    RegistryKinshipFactory,
    RegistryBenefitFactory,
]


@pytest.mark.parametrize("factory_class", ALL_FACTORIES, ids=lambda f: f.__name__)
def test_factory_saves(factory_class: Any) -> None:
    objects = factory_class.create_batch(3)
    model = factory_class._meta.model
    assert model.objects.filter(pk__in=[o.pk for o in objects]).count() == 3
    for obj in objects:
        obj.full_clean()  # field validation too (choices, lengths, unique)


def test_organisation_bins_are_valid_and_unique() -> None:
    organisations = OrganisationFactory.create_batch(25)
    bins = [o.bin for o in organisations]
    assert len(set(bins)) == len(bins)
    assert all(is_valid_bin(b) for b in bins)


def test_sequence_bin_is_valid_for_many_numbers() -> None:
    bins = [sequence_bin(n) for n in range(0, 30_000, 7)]
    assert len(set(bins)) == len(bins)
    assert all(is_valid_bin(b) for b in bins)


def test_organisation_uses_the_department_of_its_locality() -> None:
    city = LocalityFactory.create()
    first = OrganisationFactory.create(locality=city)
    second = OrganisationFactory.create(locality=city)
    assert first.department == second.department
    assert first.department.locality == city
    other = OrganisationFactory.create()
    assert other.department.locality == other.locality != city


def test_groups_and_fees_of_one_organisation_do_not_collide() -> None:
    organisation = OrganisationFactory.create()
    GroupFactory.create_batch(4, organisation=organisation)
    BaseFeeFactory.create_batch(6, organisation=organisation)
    assert organisation.groups.count() == 4
    assert organisation.base_fees.count() == 6


def test_person_iin_agrees_with_birth_date_and_sex() -> None:
    people = [
        *RegistryPersonFactory.create_batch(20),
        *RegistryPersonFactory.create_batch(5, adult=True),
        RegistryPersonFactory.create(birth_date=dt.date(1899, 12, 31), sex="M"),
        *RegistryPersonFactory.create_batch(12, birth_date=dt.date(2022, 2, 22), sex="F"),
    ]
    assert len({p.iin for p in people}) == len(people)
    for person in people:
        parsed = parse_iin(person.iin)
        assert parsed.birth_date == person.birth_date
        assert parsed.sex == person.sex


def test_adult_trait_and_kinship() -> None:
    link = RegistryKinshipFactory.create()
    assert link.parent.birth_date.year < 2001
    assert link.child.birth_date.year >= 2020


def test_sequence_iin_for_every_serial_block() -> None:
    day = dt.date(2019, 7, 1)  # serial 81 has no check digit on this date
    iins = [sequence_iin(day, "F", n) for n in range(1000)]
    assert len(set(iins)) == 1000
    assert all(parse_iin(i).birth_date == day for i in iins)


# --- database check constraints ---------------------------------------------------------------------


def assert_refused(build: Callable[[], models.Model]) -> None:
    obj = build()
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()


@pytest.mark.parametrize(
    "overrides",
    [
        {"age_from": 3, "age_to": 3},  # group_age_range_valid
        {"age_from": 4, "age_to": 3},
        {"age_from": 2, "age_to": 9},  # group_age_to_preschool
        {"capacity": 61},  # group_capacity_sane
        {"language": "xx"},  # group_language_valid
        {"kind": "nursery"},  # group_kind_valid
        {"academic_year": 1999},  # group_academic_year_sane
        {"academic_year": 2101},
    ],
    ids=str,
)
def test_group_constraints(overrides: dict[str, Any]) -> None:
    organisation = OrganisationFactory.create()
    assert_refused(lambda: GroupFactory.build(organisation=organisation, **overrides))


def test_group_capacity_limit_is_inclusive() -> None:
    assert GroupFactory.create(capacity=60).pk


def test_group_name_unique_per_academic_year() -> None:
    group = GroupFactory.create()
    assert_refused(
        lambda: GroupFactory.build(
            organisation=group.organisation, name=group.name, academic_year=group.academic_year
        )
    )
    assert GroupFactory.create(organisation=group.organisation, name=group.name, academic_year=2027).pk


@pytest.mark.parametrize(
    "overrides",
    [
        {"age_from": 3, "age_to": 3},  # fee_age_range_valid
        {"age_from": 5, "age_to": 2},
        {"age_from": 1, "age_to": 9},  # fee_age_to_preschool
    ],
    ids=str,
)
def test_base_fee_constraints(overrides: dict[str, Any]) -> None:
    organisation = OrganisationFactory.create()
    assert_refused(lambda: BaseFeeFactory.build(organisation=organisation, **overrides))


def test_one_base_fee_per_age() -> None:
    fee = BaseFeeFactory.create(age_from=2, age_to=3)
    assert_refused(lambda: BaseFeeFactory.build(organisation=fee.organisation, age_from=2, age_to=4))


@pytest.mark.parametrize(
    "overrides",
    [
        {"bin": "12345678901"},  # org_bin_12_digits: 11 digits
        {"bin": "12345678901a"},
        {"bin": "1234 5678901"},
        {"bin": "٠١٢٣٤٥٦٧٨٩٠١"},  # Arabic-Indic digits
        {"kind": "school"},  # org_kind_valid
        {"ownership": "mixed"},  # org_ownership_valid
        {"work_week": "four_day"},  # org_work_week_valid
        {"opens_at": dt.time(19, 0), "closes_at": dt.time(7, 0)},  # org_opens_before_closes
        {"opens_at": dt.time(8, 0), "closes_at": dt.time(8, 0)},
        {"latitude": Decimal("90.000001")},  # org_latitude_range
        {"latitude": Decimal("-91")},
        {"longitude": Decimal("180.5")},  # org_longitude_range
        {"longitude": Decimal("-181")},
    ],
    ids=str,
)
def test_organisation_constraints(overrides: dict[str, Any]) -> None:
    department = EducationDepartmentFactory.create()
    assert_refused(
        lambda: OrganisationFactory.build(locality=department.locality, department=department, **overrides)
    )


def test_organisation_edge_rows_accepted() -> None:
    assert OrganisationFactory.create(latitude=Decimal(90), longitude=Decimal(-180)).pk
    assert OrganisationFactory.create(latitude=None, longitude=None).pk
    round_the_clock = OrganisationFactory.create(
        work_week=Organisation.WorkWeek.ROUND_THE_CLOCK, opens_at=dt.time(0, 0), closes_at=dt.time(0, 0)
    )
    assert round_the_clock.pk


def test_organisation_bin_unique() -> None:
    organisation = OrganisationFactory.create()
    assert_refused(
        lambda: OrganisationFactory.build(
            locality=organisation.locality, department=organisation.department, bin=organisation.bin
        )
    )


def test_locality_kind_constraint() -> None:
    region = RegionFactory.create()
    assert_refused(lambda: LocalityFactory.build(region=region, kind="village"))


def test_one_department_per_locality() -> None:
    department = EducationDepartmentFactory.create()
    assert_refused(lambda: type(department)(locality=department.locality, name_ru="x", name_kk="x"))


@pytest.mark.parametrize(
    "overrides",
    [
        {"iin": "12345678901"},
        {"iin": "12345678901x"},
        {"iin": "050315600229", "sex": "X"},
    ],
    ids=str,
)
def test_registry_person_constraints(overrides: dict[str, Any]) -> None:
    assert_refused(lambda: RegistryPersonFactory.build(**overrides))


def test_registry_person_iin_too_long() -> None:
    """13 digits: PostgreSQL refuses it as too long for varchar(12) (DataError), SQLite by the check."""
    person = RegistryPersonFactory.build(iin="1234567890123")
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        person.save()


def test_registry_person_iin_unique() -> None:
    person = RegistryPersonFactory.create()
    assert_refused(lambda: RegistryPersonFactory.build(iin=person.iin))


def test_kinship_constraints() -> None:
    person = RegistryPersonFactory.create()
    assert_refused(lambda: RegistryKinshipFactory.build(parent=person, child=person))
    link = RegistryKinshipFactory.create()
    assert_refused(lambda: RegistryKinshipFactory.build(parent=link.parent, child=link.child))


def test_benefit_validity_range() -> None:
    person = RegistryPersonFactory.create()
    assert_refused(
        lambda: RegistryBenefitFactory.build(
            person=person, valid_from=dt.date(2025, 2, 1), valid_to=dt.date(2025, 1, 31)
        )
    )
    assert RegistryBenefitFactory.create(
        person=person, valid_from=dt.date(2025, 2, 1), valid_to=dt.date(2025, 2, 1)
    ).pk
