import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.http import require_GET

API_PREFIX = "/api/"


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database check for load balancers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        response = JsonResponse({"status": "error", "database": "unavailable"}, status=503)
        response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
        return response
    return JsonResponse({"status": "ok", "database": "ok"})


# Django's own error pages (handler400/403/404/500): under /api/ the API's error shape (`ErrorOut`), in the
# request's language, instead of an HTML page; elsewhere Django's templates (404.html, 500.html, …).


def _api_error(code: str, detail: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


def _database_unreachable(exc: BaseException | None) -> bool:
    """Whether `exc` is, was caused by or interrupted the handling of a failure to reach the database (a
    lost connection, a refused one, a server restarting). The session store hides it in its own errors:
    an AttributeError while loading, SessionInterrupted (400) when an UPDATE fails."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, OperationalError | InterfaceError):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After while the database cannot be reached: the request may simply be sent again.
    The page needs no database (no context processors)."""
    if request.path.startswith(API_PREFIX):
        detail = _("The service is briefly unavailable. Please try again in a few seconds.")
        response: HttpResponse = _api_error("unavailable", detail, 503)
    else:
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
    return response


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE or a disallowed Host. 503 when the database is
    unreachable: the session store turns a failed UPDATE into SessionInterrupted, a 400."""
    if _database_unreachable(exception):
        return service_unavailable(request)
    if request.path.startswith(API_PREFIX):
        return _api_error("bad_request", _("The request could not be read."), 400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        return _api_error("forbidden", _("Your role does not allow this."), 403)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: under /api/, a path no endpoint answers."""
    if request.path.startswith(API_PREFIX):
        return _api_error("not_found", _("Not found."), 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 when the uncaught exception (of a view or of any middleware, e.g. the session saved
    after the view) comes from an unreachable database."""
    if _database_unreachable(sys.exc_info()[1]):  # handler500 runs while the exception is handled
        return service_unavailable(request)
    if request.path.startswith(API_PREFIX):
        return _api_error("server_error", _("Something went wrong on our side. Please try again later."), 500)
    return defaults.server_error(request)
