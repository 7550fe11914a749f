"""Demo back-office accounts, one per role, for trying the staff side locally (never in production).

Each signs in with the demo password and, the first time, enrols an authenticator app (QR code).
"""

from functools import cache

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db.models import Model, Q, QuerySet

from kezek.facilities.models import Locality, Organisation, Region
from kezek.staff.models import Role, StaffProfile

from . import catalogue as cat

DEMO_PASSWORD = "kezek-demo-2026"  # noqa: S105  (demo accounts only; refused in production)


@cache
def demo_password_hash() -> str:
    """The demo password hashed once for every demo account (hashing is slow on purpose: about half a
    second each with production's iterations)."""
    return make_password(DEMO_PASSWORD)


def demo_user_create(username: str, *, login: bool = True, **fields: object) -> User:
    """A demo account that signs in with the demo password (`login`), else with none."""
    return User.objects.create(
        username=username, password=demo_password_hash() if login else make_password(None), **fields
    )


def _demo_scope() -> Q:
    localities = Locality.objects.filter(region__code__in=cat.DEMO_REGION_CODES)
    return (
        Q(locality__in=localities)
        | Q(organisation__locality__in=localities)
        | Q(region__code__in=cat.DEMO_REGION_CODES)
        | Q(user__username__startswith="demo-")
    )


def demo_staff_profiles() -> QuerySet[StaffProfile]:
    return StaffProfile.objects.filter(_demo_scope())


def demo_staff_delete() -> None:
    """Remove the demo accounts (profiles first: a profile protects its user)."""
    user_ids = list(demo_staff_profiles().values_list("user_id", flat=True))
    demo_staff_profiles().delete()
    User.objects.filter(pk__in=user_ids).delete()


def demo_staff_load() -> list[tuple[str, str]]:
    """Create the demo accounts (username, role); none in production."""
    if getattr(settings, "IS_PRODUCTION", False):
        return []
    locality = Locality.objects.filter(region__code__in=cat.DEMO_REGION_CODES).order_by("pk").first()
    if locality is None:
        return []
    organisation = Organisation.objects.filter(locality=locality, is_active=True).order_by("pk").first()
    if organisation is None:
        return []
    region = Region.objects.get(pk=locality.region_id)
    accounts: list[tuple[str, Role, dict[str, Model]]] = [
        ("demo-admin", Role.ADMINISTRATOR, {}),
        ("demo-operator", Role.OPERATOR, {"locality": locality}),
        ("demo-head", Role.DEPARTMENT_HEAD, {"locality": locality}),
        ("demo-kindergarten", Role.KINDERGARTEN_HEAD, {"organisation": organisation}),
        ("demo-nurse", Role.NURSE, {"organisation": organisation}),  # the children's health notes (E4)
        ("demo-auditor", Role.AUDITOR, {"region": region}),
    ]
    created = []
    for username, role, scope in accounts:
        administrator = role == Role.ADMINISTRATOR
        user = demo_user_create(username, is_staff=administrator, is_superuser=administrator)
        StaffProfile.objects.create(user=user, role=role, **scope)
        created.append((username, str(role.label)))
    return created
