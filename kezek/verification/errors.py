"""Errors of the verification app that a client may want to tell apart from the generic ones."""

from django.utils.translation import gettext as _

from kezek.core.errors import NotFound, TooManyRequests


class PhoneCodeLocked(TooManyRequests):
    """Too many guesses of one code: it can no longer be confirmed, a new code must be requested."""

    code = "code_locked"


def code_not_found() -> NotFound:
    return NotFound(_("The code was not found. Request a new code."), code="code_not_found")
