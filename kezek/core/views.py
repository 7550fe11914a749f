from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
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
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


# Django's own error pages (handler400/403/404/500): under /api/ the API's error shape (`ErrorOut`), in the
# request's language, instead of an HTML page; elsewhere Django's templates (404.html, 500.html, …).


def _api_error(code: str, detail: str, status: int) -> JsonResponse:
    return JsonResponse({"code": code, "detail": detail}, status=status)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE or a disallowed Host."""
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
    if request.path.startswith(API_PREFIX):
        return _api_error("server_error", _("Something went wrong on our side. Please try again later."), 500)
    return defaults.server_error(request)
