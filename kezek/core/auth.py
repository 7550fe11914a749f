"""API authentication shared by the apps: a signed-in staff user (the staff back-office and its scopes come
with issue #6), and the error answers of a signed-in request that changes something."""

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.security import SessionAuth

from kezek.core.schemas import ErrorOut

# A signed-in change (an applicant's or staff's): 401 not signed in (or not staff), 403 CSRF or not
# allowed, 404 not theirs / no such object, 409 not in a state that allows it, 422 invalid input.
SIGNED_IN_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class StaffSession(SessionAuth):
    """A signed-in staff user (the Django session cookie, CSRF-checked); anyone else gets a 401."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_staff else None


staff_auth = StaffSession()
