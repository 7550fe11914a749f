"""Pagination of every API list: page numbers and sizes are bounded, so no request reaches the database
with an offset it cannot represent (a 422, never a 500)."""

from ninja import Schema
from ninja.pagination import PageNumberPagination
from pydantic import Field

MAX_PAGE = 100_000
MAX_PAGE_SIZE = 200


class BoundedPageNumberPagination(PageNumberPagination):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)
