"""The JSON API: django-ninja under /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.docs import DocsBase

from kezek.attendance.api import router as attendance_router
from kezek.cabinet.api import router as cabinet_router
from kezek.confirmation.api import router as confirmation_router
from kezek.core.errors import DomainError, TooManyRequests
from kezek.exchange.api import router as exchange_router
from kezek.facilities.api import router as facilities_router
from kezek.feedback.api import router as feedback_router
from kezek.funding.api import router as funding_router
from kezek.infection.api import router as infection_router
from kezek.integrity.api import router as integrity_router
from kezek.monitoring.api import router as monitoring_router
from kezek.opendata.api import router as opendata_router
from kezek.placement.api import router as placement_router
from kezek.records.api import router as records_router
from kezek.schooltransfer.api import router as schooltransfer_router
from kezek.translog.api import router as translog_router
from kezek.verification.api import router as verification_router
from kezek.vouchers.api import router as vouchers_router
from kezek.waitlist.api import router as waitlist_router


class SelfHostedSwagger(DocsBase):
    """Swagger UI from our own static files (static/vendor/swagger-ui), started by a static script: the
    site's CSP refuses ninja's default page (a CDN and an inline script)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        context = {"api": api, "openapi_url": self.get_openapi_url(api, kwargs)}
        return render(request, "api/docs.html", context)


api = NinjaAPI(
    title="Kezek API",
    version="1",
    description="Public kindergarten waiting list: organisations, queue, free places, open data.",
    urls_namespace="api",
    docs=SelfHostedSwagger(),
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = api.create_response(request, {"code": exc.code, "detail": str(exc.message)}, status=exc.status)
    if isinstance(exc, TooManyRequests) and exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(request, {"code": "invalid", "detail": exc.errors}, status=422)


@api.exception_handler(MultiPartParserError)
def unreadable_body(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A body that cannot be read (not JSON, a multipart without its boundary): invalid input, a 422."""
    return api.create_response(
        request, {"code": "invalid", "detail": _("The request could not be read.")}, status=422
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja's own refusals (no session, a failed CSRF check) in the same shape as ours, translated."""
    if isinstance(exc, AuthenticationError):
        body = {"code": "unauthorized", "detail": _("Sign in to the personal cabinet first.")}
    elif exc.status_code == 403:
        body = {"code": "csrf", "detail": _("The page has expired. Reload it and try again.")}
    elif isinstance(exc, Throttled):
        response = api.create_response(
            request,
            {"code": "too_many_requests", "detail": _("Too many requests. Try again in a minute.")},
            status=429,
        )
        if exc.wait:
            response["Retry-After"] = str(int(exc.wait) + 1)
        return response
    elif exc.status_code == 400:  # a body that is not JSON at all: invalid input like any other
        return unreadable_body(request, exc)
    else:
        body = {"code": "http_error", "detail": str(exc.message)}
    return api.create_response(request, body, status=exc.status_code)


api.add_router("/", facilities_router)
api.add_router("/", verification_router)
api.add_router("/", waitlist_router)
api.add_router("/", cabinet_router)
api.add_router("/", placement_router)
api.add_router("/", opendata_router)
api.add_router("/", feedback_router)
api.add_router("/", confirmation_router)
api.add_router("/", integrity_router)
api.add_router("/", translog_router)
api.add_router("/", records_router)
api.add_router("/", attendance_router)
api.add_router("/", funding_router)
api.add_router("/", vouchers_router)
api.add_router("/", exchange_router)
api.add_router("/", monitoring_router)
api.add_router("/", schooltransfer_router)
api.add_router("/", infection_router)
