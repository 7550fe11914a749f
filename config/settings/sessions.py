"""How long a signed-in session lasts (kezek.core.middleware.SessionTimeoutMiddleware)."""

from .env import env_str

# Staff (Django users of the back-office): signed out after this long without a request, and in any case
# this long after signing in.
STAFF_SESSION_IDLE_SECONDS = int(env_str("STAFF_SESSION_IDLE_SECONDS", "1800"))  # 30 minutes
STAFF_SESSION_ABSOLUTE_SECONDS = int(env_str("STAFF_SESSION_ABSOLUTE_SECONDS", "43200"))  # 12 hours
# Parents (the personal cabinet): signed out after this long without a request.
CABINET_SESSION_IDLE_SECONDS = int(env_str("CABINET_SESSION_IDLE_SECONDS", "7200"))  # 2 hours
