"""Kezek's own middleware: NUL characters refused, signed-in sessions timed out, private responses kept
out of caches."""

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.contrib.auth import logout
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from .auth import CABINET_APPLICANT_KEY
from .views import API_PREFIX

NUL_MARKS = (b"\x00", b"\\u0000", b"%00")


class RejectNulMiddleware:
    """Refuse NUL characters anywhere in a request: PostgreSQL text cannot hold them, so they could only
    ever end in a 500. 422: in the API's error shape for the API and JSON exports, plain text elsewhere."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._has_nul(request):
            message = _("The request contains a character that is not allowed.")
            if request.path.startswith("/api/") or request.path.endswith(".json"):
                return JsonResponse({"code": "invalid", "detail": message}, status=422)
            return HttpResponse(message, status=422, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

    @staticmethod
    def _has_nul(request: HttpRequest) -> bool:
        raw_query = request.META.get("QUERY_STRING", "").encode("latin-1", "replace").lower()
        if "\x00" in request.path or any(mark in raw_query for mark in NUL_MARKS):
            return True
        content_type = request.META.get("CONTENT_TYPE", "")
        if content_type.startswith(("application/json", "application/x-www-form-urlencoded")):
            try:
                body = request.body  # bounded by DATA_UPLOAD_MAX_MEMORY_SIZE
            except RequestDataTooBig:
                return False  # Django answers that itself
            return any(mark in body.lower() for mark in NUL_MARKS)
        return False


@dataclass(frozen=True)
class _SignedIn:
    """A kind of signed-in session: the session key present while someone is signed in, and the settings
    that limit it (seconds without a request; seconds since signing in, or none)."""

    name: str
    marker: str
    idle_setting: str
    absolute_setting: str | None = None

    @property
    def signed_in_at_key(self) -> str:
        return f"{self.name}_signed_in_at"

    @property
    def seen_at_key(self) -> str:
        return f"{self.name}_seen_at"

    def expired(self, session: SessionBase, now: float) -> bool:
        seen_at = session.get(self.seen_at_key)
        signed_in_at = session.get(self.signed_in_at_key)
        if not isinstance(seen_at, int) or not isinstance(signed_in_at, int):
            return False  # signed in before the timestamps existed: they start now
        if now - seen_at > getattr(settings, self.idle_setting):
            return True
        if self.absolute_setting is None:
            return False
        return now - signed_in_at > getattr(settings, self.absolute_setting)


SIGNED_IN = (
    # Staff are Django users (django.contrib.auth's session key), parents the cabinet's applicant.
    _SignedIn("staff", AUTH_SESSION_KEY, "STAFF_SESSION_IDLE_SECONDS", "STAFF_SESSION_ABSOLUTE_SECONDS"),
    _SignedIn("cabinet", CABINET_APPLICANT_KEY, "CABINET_SESSION_IDLE_SECONDS"),
)
# The last request's time is written at most this often (a session save per request is not needed).
SEEN_AT_RESOLUTION_SECONDS = 10


class SessionTimeoutMiddleware:
    """Signs out idle and over-age sessions before the view runs, so the view sees an anonymous visitor:
    pages send them to sign in, the API answers 401. The timestamps live in the session; a new session
    key with someone signed in (every sign-in cycles the key) starts them afresh. Needs the session,
    authentication and messages middleware before it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session_key = request.session.session_key
        if session_key is not None:
            self._sign_out_expired(request, time.time())
        response = self.get_response(request)
        if session_key is not None or request.session.modified:
            self._stamp(request.session, time.time(), new_key=request.session.session_key != session_key)
        return response

    @staticmethod
    def _sign_out_expired(request: HttpRequest, now: float) -> None:
        session = request.session
        if not any(kind.marker in session and kind.expired(session, now) for kind in SIGNED_IN):
            return
        logout(request)  # the whole session: a staff user and a parent sharing a browser both sign in again
        if not request.path.startswith(API_PREFIX):
            message = _("You were signed out after a period of inactivity. Please sign in again.")
            messages.info(request, message)

    @staticmethod
    def _stamp(session: SessionBase, now: float, *, new_key: bool) -> None:
        seconds = int(now)
        for kind in SIGNED_IN:
            if kind.marker not in session:
                continue
            if new_key or not isinstance(session.get(kind.signed_in_at_key), int):
                session[kind.signed_in_at_key] = seconds
                session[kind.seen_at_key] = seconds
            elif seconds - session.get(kind.seen_at_key, 0) >= SEEN_AT_RESOLUTION_SECONDS:
                session[kind.seen_at_key] = seconds


# Responses that must never be stored by a browser or a proxy (back button, shared computers): the
# cabinet's and the back-office's pages and API, whatever their status, and the parent's directions.
PRIVATE_PATHS = re.compile(
    r"^/(cabinet|staff|admin)/|^/api/v1/(cabinet|staff|funding)/|^/places/(directions/|groups/\d+/direction/)"
)
# The free-places pages show a signed-in parent their own applications.
PERSONALISED_PATHS = re.compile(r"^/places/")


class NoStoreMiddleware:
    """`Cache-Control: no-store` on private responses (see PRIVATE_PATHS). Outermost, so that error
    responses of the other middleware are covered too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if PRIVATE_PATHS.match(request.path) or (
            PERSONALISED_PATHS.match(request.path) and settings.SESSION_COOKIE_NAME in request.COOKIES
        ):
            add_never_cache_headers(response)
        return response
