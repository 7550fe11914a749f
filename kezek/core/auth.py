"""API authentication shared by the apps: a signed-in staff user (the staff back-office and its scopes come
with issue #6)."""

from django.contrib.auth.models import User
from django.http import HttpRequest
from ninja.security import SessionAuth


class StaffSession(SessionAuth):
    """A signed-in staff user (the Django session cookie, CSRF-checked); anyone else gets a 401."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_staff else None


staff_auth = StaffSession()
