import datetime as dt
from typing import Annotated, Any

from ninja import Schema
from pydantic import PlainSerializer, WithJsonSchema


class ErrorOut(Schema):
    """Every 4xx answer of the API has this shape."""

    code: str
    detail: str | list[dict[str, Any]]


# A local wall-clock time (a kindergarten's opening hours), served "07:30:00". Not `format: time`: that is
# RFC 3339 full-time, which requires an offset ("07:30:00+05:00") — an instant's, not an opening hour's.
WallClockTime = Annotated[
    dt.time,
    PlainSerializer(lambda value: value.strftime("%H:%M:%S"), return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
            "description": "local time of day in the organisation's locality, HH:MM:SS, no offset",
            "examples": ["07:30:00"],
        }
    ),
]
