"""The cabinet's session keys: the session holds the applicant's id and a fingerprint, nothing personal.

The fingerprint is an HMAC of the password hash and the main phone: changing either ends every session
opened before (like Django's session auth hash for users).
"""

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from kezek.core.auth import CABINET_APPLICANT_KEY
from kezek.waitlist.models import Applicant

PENDING_KEY = "cabinet_pending_applicant"
APPLICANT_KEY = CABINET_APPLICANT_KEY
FINGERPRINT_KEY = "cabinet_fingerprint"


def _fingerprint(applicant: Applicant) -> str:
    return salted_hmac("kezek.cabinet.session", f"{applicant.password}|{applicant.phone}").hexdigest()


def sign_in(request: HttpRequest, applicant: Applicant) -> None:
    request.session.cycle_key()  # no session fixation
    request.session.pop(PENDING_KEY, None)
    request.session[APPLICANT_KEY] = applicant.pk
    request.session[FINGERPRINT_KEY] = _fingerprint(applicant)


def sign_out(request: HttpRequest) -> None:
    request.session.flush()


def applicant_from_session(request: HttpRequest) -> Applicant | None:
    applicant_id = request.session.get(APPLICANT_KEY)
    if not isinstance(applicant_id, int):
        return None
    applicant = Applicant.objects.filter(pk=applicant_id).first()
    if applicant is None or not constant_time_compare(
        request.session.get(FINGERPRINT_KEY, ""), _fingerprint(applicant)
    ):
        return None
    return applicant


def applicant_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Cabinet pages: sets ``request.applicant`` or sends the visitor to sign in (and back afterwards)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        applicant = applicant_from_session(request)
        if applicant is None:
            query = urlencode({"next": request.get_full_path()})
            return HttpResponseRedirect(f"{reverse('cabinet:login')}?{query}")
        request.applicant = applicant  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
