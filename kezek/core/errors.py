"""Domain errors. Services raise these; one handler maps them to 4xx responses."""

from django.utils.functional import Promise


class DomainError(Exception):
    """A rule of the domain refused the request. `status` is the HTTP status it maps to."""

    status = 400
    code = "domain_error"

    def __init__(self, message: str | Promise, *, code: str | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        if code is not None:
            self.code = code


class ValidationFailed(DomainError):
    status = 422
    code = "invalid"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class TooManyRequests(DomainError):
    """A rate limit or lockout refused the request; `retry_after` is in seconds when known."""

    status = 429
    code = "too_many_requests"

    def __init__(self, message: str | Promise, *, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
