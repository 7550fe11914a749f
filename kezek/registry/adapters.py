"""Registry adapter interface (rule I3) and the built-in local registry."""

import datetime as dt
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from .models import RegistryBenefit, RegistryKinship, RegistryPerson


@dataclass(frozen=True)
class PersonRecord:
    iin: str
    last_name: str
    first_name: str
    middle_name: str
    birth_date: dt.date
    sex: str


@dataclass(frozen=True)
class BenefitRecord:
    iin: str
    category: str
    valid_from: dt.date
    valid_to: dt.date | None


class RegistryAdapter:
    """What Kezek asks of the state registries. A real adapter subclasses this."""

    def find_person(self, *, iin: str) -> PersonRecord | None:
        raise NotImplementedError

    def is_parent_of(self, *, parent_iin: str, child_iin: str) -> bool:
        raise NotImplementedError

    def benefits(self, *, iin: str, on: dt.date) -> list[BenefitRecord]:
        raise NotImplementedError


class LocalRegistry(RegistryAdapter):
    """Reads the local registry tables (filled by `seed_demo` or an import)."""

    def find_person(self, *, iin: str) -> PersonRecord | None:
        person = RegistryPerson.objects.filter(iin=iin).first()
        if person is None:
            return None
        return PersonRecord(
            iin=person.iin,
            last_name=person.last_name,
            first_name=person.first_name,
            middle_name=person.middle_name,
            birth_date=person.birth_date,
            sex=person.sex,
        )

    def is_parent_of(self, *, parent_iin: str, child_iin: str) -> bool:
        return RegistryKinship.objects.filter(parent__iin=parent_iin, child__iin=child_iin).exists()

    def benefits(self, *, iin: str, on: dt.date) -> list[BenefitRecord]:
        rows = RegistryBenefit.objects.filter(person__iin=iin, valid_from__lte=on).exclude(valid_to__lt=on)
        return [
            BenefitRecord(iin=iin, category=row.category, valid_from=row.valid_from, valid_to=row.valid_to)
            for row in rows.order_by("category")
        ]


@cache
def _adapter_class(path: str) -> type[RegistryAdapter]:
    cls: type[RegistryAdapter] = import_string(path)
    return cls


def get_registry() -> RegistryAdapter:
    """The configured registry adapter (setting REGISTRY_ADAPTER)."""
    return _adapter_class(settings.REGISTRY_ADAPTER)()
