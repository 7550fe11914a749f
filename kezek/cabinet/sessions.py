"""The cabinet's session keys: the session holds the applicant's id and nothing personal."""

from django.http import HttpRequest

from kezek.waitlist.models import Applicant

PENDING_KEY = "cabinet_pending_applicant"
APPLICANT_KEY = "cabinet_applicant"


def sign_in(request: HttpRequest, applicant: Applicant) -> None:
    request.session.cycle_key()  # no session fixation
    request.session.pop(PENDING_KEY, None)
    request.session[APPLICANT_KEY] = applicant.pk


def sign_out(request: HttpRequest) -> None:
    request.session.flush()


def applicant_from_session(request: HttpRequest) -> Applicant | None:
    applicant_id = request.session.get(APPLICANT_KEY)
    if applicant_id is None:
        return None
    return Applicant.objects.filter(pk=applicant_id).first()
