"""Refuse NUL characters anywhere in a request: PostgreSQL text cannot hold them, so they could only ever
end in a 500. 422: in the API's error shape for the API and JSON exports, plain text elsewhere."""

from collections.abc import Callable

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

NUL_MARKS = (b"\x00", b"\\u0000", b"%00")


class RejectNulMiddleware:
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
