"""The JSON API: django-ninja under /api/v1/ (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs)."""

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from kezek.core.errors import DomainError
from kezek.facilities.api import router as facilities_router

api = NinjaAPI(
    title="Kezek API",
    version="1",
    description="Public kindergarten waiting list: organisations, queue, free places, open data.",
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"code": exc.code, "detail": str(exc.message)}, status=exc.status)


@api.exception_handler(NinjaValidationError)
def validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return api.create_response(request, {"code": "invalid", "detail": exc.errors}, status=422)


api.add_router("/", facilities_router)
