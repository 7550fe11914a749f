"""Factories for the local registry (`kezek.registry`, rule I3).

A person's IIN is built with `make_iin` from the person's `birth_date` and `sex` (I1), so it always
agrees with them — also when a test passes its own birth date or sex. By default a person is a child born
2020–2024; ``RegistryPersonFactory(adult=True)`` gives a parent born 1975–2000.
"""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from kezek.core.iin import make_iin
from kezek.registry.models import RegistryBenefit, RegistryKinship, RegistryPerson


def sequence_iin(birth_date: dt.date, sex: str, n: int) -> str:
    """A valid IIN for this birth date and sex whose serial is derived from sequence number `n`.

    Serials 10·m … 10·m+9 (m = n mod 1000) share all but the last digit, and at most one of them lacks a
    check digit (see `tests.factories.facilities.sequence_bin`), so the first one that has one is used.
    """
    m = n % 1000
    for k in range(10):
        iin = make_iin(birth_date=birth_date, sex=sex, serial=m * 10 + k)
        if iin is not None:
            return iin
    raise AssertionError("unreachable: one of ten consecutive serials has a check digit")  # pragma: no cover


def _by_sex(male: str, female: str) -> factory.Maybe:
    return factory.Maybe(
        factory.LazyAttribute(lambda o: o.sex == RegistryPerson.Sex.MALE),
        yes_declaration=factory.Faker(male, locale="ru_RU"),
        no_declaration=factory.Faker(female, locale="ru_RU"),
    )


class RegistryPersonFactory(DjangoModelFactory[RegistryPerson]):
    class Meta:
        model = RegistryPerson

    class Params:
        adult = factory.Trait(
            birth_date=factory.Sequence(lambda n: dt.date(1975, 1, 1) + dt.timedelta(days=(n * 37) % 9000)),
        )

    sex = factory.Iterator([RegistryPerson.Sex.FEMALE, RegistryPerson.Sex.MALE])
    birth_date = factory.Sequence(lambda n: dt.date(2020, 1, 1) + dt.timedelta(days=n % 1800))
    iin = factory.LazyAttributeSequence(lambda o, n: sequence_iin(o.birth_date, o.sex, n))
    last_name = _by_sex("last_name_male", "last_name_female")
    first_name = _by_sex("first_name_male", "first_name_female")
    middle_name = _by_sex("middle_name_male", "middle_name_female")


class RegistryKinshipFactory(DjangoModelFactory[RegistryKinship]):
    class Meta:
        model = RegistryKinship

    parent = factory.SubFactory(RegistryPersonFactory, adult=True)
    child = factory.SubFactory(RegistryPersonFactory)


class RegistryBenefitFactory(DjangoModelFactory[RegistryBenefit]):
    class Meta:
        model = RegistryBenefit

    person = factory.SubFactory(RegistryPersonFactory)
    category = "large_family"
    valid_from = dt.date(2025, 1, 1)
    valid_to = None
