"""Factories for `kezek.facilities`: every default satisfies the models' check constraints.

Codes, BINs and group names come from sequences, so any number of objects can be created. An
`OrganisationFactory(locality=city)` uses the city's education department (creating it if needed).
"""

import datetime as dt
from decimal import Decimal
from typing import Any

import factory
from django.db import transaction
from factory.django import DjangoModelFactory

from kezek.core.iin import make_bin
from kezek.facilities.models import (
    BaseFee,
    EducationDepartment,
    Group,
    Language,
    Locality,
    Organisation,
    Region,
)
from kezek.facilities.services import group_created_payload
from kezek.ledger.services import ledger_append


def sequence_bin(n: int) -> str:
    """A valid, unique BIN (I2) for sequence number `n`: legal entity (type 4), attribute 0.

    The serial's last digit has weight 11 ≡ 0 in the first checksum pass and weight 2 in the second, so
    of the serials 10·m … 10·m+9 at most one lacks a check digit: the first of them that has one is used.
    """
    block, m = divmod(n, 10_000)
    registered = dt.date(2001 + block % 25, 1 + m % 12, 1)
    for k in range(10):
        bin_ = make_bin(registered=registered, entity_type=4, attribute=0, serial=m * 10 + k)
        if bin_ is not None:
            return bin_
    raise AssertionError("unreachable: one of ten consecutive serials has a check digit")  # pragma: no cover


class RegionFactory(DjangoModelFactory[Region]):
    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"region-{n}")
    name_ru = factory.Sequence(lambda n: f"Область {n}")
    name_kk = factory.Sequence(lambda n: f"{n} облысы")


class LocalityFactory(DjangoModelFactory[Locality]):
    class Meta:
        model = Locality

    region = factory.SubFactory(RegionFactory)
    code = factory.Sequence(lambda n: f"locality-{n}")
    name_ru = factory.Sequence(lambda n: f"Город {n}")
    name_kk = factory.Sequence(lambda n: f"{n} қаласы")
    kind = Locality.Kind.CITY


class EducationDepartmentFactory(DjangoModelFactory[EducationDepartment]):
    """One department per locality (one-to-one): asking again for a locality returns its department."""

    class Meta:
        model = EducationDepartment
        django_get_or_create = ("locality",)

    locality = factory.SubFactory(LocalityFactory)
    name_ru = factory.LazyAttribute(lambda o: f"Отдел образования: {o.locality.name_ru}")
    name_kk = factory.LazyAttribute(lambda o: f"Білім бөлімі: {o.locality.name_kk}")
    phone = "+7 7232 00 00 00"
    email = factory.Sequence(lambda n: f"department{n}@edu.example.kz")
    address = factory.Sequence(lambda n: f"ул. Абая, {n + 1}")


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    name_ru = factory.Sequence(lambda n: f"Ясли-сад № {n + 1}")
    name_kk = factory.Sequence(lambda n: f"№ {n + 1} бөбекжай")
    bin = factory.Sequence(sequence_bin)
    locality = factory.SubFactory(LocalityFactory)
    department = factory.SubFactory(EducationDepartmentFactory, locality=factory.SelfAttribute("..locality"))
    kind = Organisation.Kind.KINDERGARTEN
    ownership = Organisation.Ownership.STATE
    work_week = Organisation.WorkWeek.FIVE_DAY
    opens_at = dt.time(7, 0)
    closes_at = dt.time(19, 0)
    phone = "+7 7232 11 22 33"
    address = factory.Sequence(lambda n: f"пр. Независимости, {n + 1}")
    latitude = factory.Sequence(lambda n: Decimal("49.948300") + Decimal(n % 1000) / 100_000)
    longitude = factory.Sequence(lambda n: Decimal("82.627800") + Decimal(n % 1000) / 100_000)
    is_active = True


class BaseFeeFactory(DjangoModelFactory[BaseFee]):
    """Age bands cycle 1–2, 2–3, … 6–7, so a few fees of one organisation do not collide."""

    class Meta:
        model = BaseFee

    organisation = factory.SubFactory(OrganisationFactory)
    age_from = factory.Iterator([1, 2, 3, 4, 5, 6])
    age_to = factory.LazyAttribute(lambda o: o.age_from + 1)
    monthly_fee = 25_000


class GroupFactory(DjangoModelFactory[Group]):
    """A group with its `group.created` ledger event, as `facilities.services.group_create` writes it (the
    audit replays every group's capacity: P1). Its seats are published by the seat sweep or the test."""

    class Meta:
        model = Group

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Группа {n + 1}")
    age_from = 2
    age_to = 3
    language = Language.KAZAKH
    kind = Group.Kind.GENERAL
    capacity = 25
    academic_year = 2026
    is_active = True

    @classmethod
    def _create(cls, model_class: type[Group], *args: Any, **kwargs: Any) -> Group:
        with transaction.atomic():
            group = super()._create(model_class, *args, **kwargs)
            ledger_append(
                kind="group.created",
                subject_type="group",
                subject_id=str(group.pk),
                locality_code=group.organisation.locality.code,
                payload=group_created_payload(group, by=None),
            )
        return group
