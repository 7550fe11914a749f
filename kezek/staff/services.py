"""Staff sign-in: password, then a TOTP second factor (django-otp); both rate-limited.

A staff session is of use only once the second factor is verified (`request.user.is_verified()`): every
back-office page and staff API endpoint requires it.
"""

import logging

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import AbstractBaseUser, User
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kezek.core.errors import DomainError, ValidationFailed
from kezek.verification.services import (
    attempt_limiter_release,
    attempt_limiter_reserve,
    attempt_limiter_reset,
)

from .selectors import scope_of

logger = logging.getLogger(__name__)
DEVICE_NAME = "Kezek back-office"


def _password_keys(username: str, ip: str | None) -> tuple[str, str]:
    """(the username from this client address, the username from anywhere)."""
    username = username.strip().lower()
    return f"staff-password:{username}:{ip or '-'}", f"staff-password:{username}"


def _totp_key(user: AbstractBaseUser) -> str:
    return f"staff-totp:{user.pk}"


def staff_password_check(*, username: str, password: str, ip: str | None) -> User:
    """Step 1: username and password of a user with an active back-office role (429 while locked out),
    whether or not the username exists.

    Each attempt is reserved before the password is checked (`attempt_limiter_reserve`: parallel guesses
    never exceed the limits): ATTEMPT_LIMIT per (username, client address), so failures from other
    addresses never lock the owner out at theirs, and a slower STAFF_PASSWORD_USERNAME_LIMIT per username
    from all addresses together. A success forgets its address's failures and gives back its
    reservation of the per-username ceiling (the others' failures stay counted).
    """
    pair, name = _password_keys(username, ip)
    attempt_limiter_reserve(key=pair)
    window = settings.STAFF_PASSWORD_USERNAME_WINDOW_SECONDS
    try:
        attempt_limiter_reserve(
            key=name,
            limit=settings.STAFF_PASSWORD_USERNAME_LIMIT,
            window_seconds=window,
            lockout_seconds=window,
        )
    except DomainError:
        attempt_limiter_release(key=pair)  # refused unevaluated: not a failure of this address
        raise
    user = authenticate(username=username.strip(), password=password)
    if user is None:
        raise ValidationFailed(_("The username or the password is wrong."), code="credentials_wrong")
    scope_of(user)  # PermissionDenied without an active role
    attempt_limiter_reset(key=pair)
    attempt_limiter_release(key=name)
    return User.objects.get(pk=user.pk)


def staff_device(*, user: AbstractBaseUser) -> TOTPDevice | None:
    """The user's confirmed authenticator, if enrolled."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def staff_totp_enrol(*, user: AbstractBaseUser) -> TOTPDevice:
    """First sign-in: an unconfirmed authenticator to scan (the same one until it is confirmed)."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).first()
        return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def staff_totp_verify(*, user: AbstractBaseUser, token: str) -> TOTPDevice:
    """Step 2: a code from the authenticator. An unconfirmed (just scanned) device is confirmed by its
    first good code. Attempts count towards a lockout like passwords (429)."""
    key = _totp_key(user)
    attempt_limiter_reserve(key=key)  # counted before the check, like passwords
    device = staff_device(user=user) or TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).first()
    token = token.strip()
    if device is None or not (token.isascii() and token.isdigit()) or not device.verify_token(token):
        raise ValidationFailed(_("The code is wrong or has expired."), code="totp_wrong")
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        logger.info("staff user %s enrolled an authenticator", user.pk)
    attempt_limiter_reset(key=key)
    return device
