"""Who may use the back-office: `staff_required` for pages, `staff_auth` for the staff API. Both need a
password sign-in with a verified second factor and an active role; each puts the user's `Scope` on the
request (`request.scope`)."""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from ninja.security import SessionAuth

from kezek.core.errors import PermissionDenied

from .selectors import Scope, scope_of


def _verified_scope(request: HttpRequest) -> Scope | None:
    user = request.user
    # django-otp's middleware gives request.user `is_verified()`.
    if not user.is_authenticated or not user.is_verified():  # type: ignore[attr-defined]
        return None
    try:
        return scope_of(user)
    except PermissionDenied:
        return None


def staff_required(*roles: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A back-office page for the given roles (all roles when none are given). Not signed in or no second
    factor yet → the sign-in page; a role that may not use this page → 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            scope = _verified_scope(request)
            if scope is None:
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('staff:login')}?{query}")
            if roles and scope.role not in roles:
                return render(request, "staff/forbidden.html", status=403)
            request.scope = scope  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


class StaffSession(SessionAuth):
    """A signed-in staff user with a verified second factor and an active role (the Django session
    cookie, CSRF-checked); anyone else gets a 401. Sets `request.scope`."""

    def authenticate(self, request: HttpRequest, key: str | None) -> AbstractBaseUser | None:
        user = super().authenticate(request, key)
        if user is None:
            return None
        scope = _verified_scope(request)
        if scope is None:
            return None
        request.scope = scope  # type: ignore[attr-defined]
        return user


staff_auth = StaffSession()
