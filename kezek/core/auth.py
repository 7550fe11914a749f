"""Who is signed in: the session key of a signed-in parent, and the error answers of a signed-in API request
that changes something (an applicant's or staff's)."""

from kezek.core.schemas import ErrorOut

# A signed-in change (an applicant's or staff's): 401 not signed in (or not staff), 403 CSRF or not
# allowed, 404 not theirs / no such object, 409 not in a state that allows it, 422 invalid input.
SIGNED_IN_ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}

# The session key holding a signed-in parent's applicant id (kezek.cabinet.sessions writes it; the session
# timeout middleware reads it without depending on the cabinet).
CABINET_APPLICANT_KEY = "cabinet_applicant"
