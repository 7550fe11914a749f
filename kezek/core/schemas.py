from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    """Every 4xx answer of the API has this shape."""

    code: str
    detail: str | list[dict[str, Any]]
