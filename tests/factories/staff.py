"""Staff users with a role, its scope and a confirmed authenticator; `staff_login` signs a test client in
with the second factor verified (as the back-office sign-in leaves the session)."""

import itertools

from django.contrib.auth.models import User
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from kezek.facilities.models import Locality, Organisation, Region
from kezek.staff.models import DEPARTMENT_ROLES, Role, StaffProfile
from tests.factories.facilities import LocalityFactory

STAFF_PASSWORD = "Kezek-staff-2026!"
_numbers = itertools.count(1)


def staff_user(
    *,
    role: str = Role.OPERATOR,
    locality: Locality | None = None,
    organisation: Organisation | None = None,
    region: Region | None = None,
    username: str | None = None,
) -> User:
    """A user with an active staff profile and a confirmed TOTP device. A department role without a
    locality gets a new one."""
    if role in DEPARTMENT_ROLES and locality is None:
        locality = LocalityFactory.create()
    administrator = role == Role.ADMINISTRATOR
    user = User.objects.create_user(
        username or f"staff-{next(_numbers)}",
        password=STAFF_PASSWORD,
        is_staff=administrator,
        is_superuser=administrator,
    )
    StaffProfile.objects.create(
        user=user, role=role, locality=locality, organisation=organisation, region=region
    )
    TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    return user


def staff_login(client: Client, user: User) -> Client:
    """Sign `client` in as `user` with the second factor verified."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    return client
