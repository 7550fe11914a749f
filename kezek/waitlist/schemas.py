import datetime as dt
from typing import Literal

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field


class ApplicationIn(Schema):
    """The join-the-queue wizard's data (multipart form, with an optional benefit certificate file)."""

    locality: str = Field(max_length=40)
    applicant_iin: str = Field(max_length=20)
    child_iin: str = Field(max_length=20)
    phone: str = Field(max_length=30)
    phone_code_id: str = Field(max_length=40)
    phone_alt: str = Field(max_length=30)
    phone_alt_code_id: str = Field(max_length=40)
    address: str = Field(max_length=255)
    language: str = Field(max_length=2)
    email: str = Field(default="", max_length=254)
    notify_channel: Literal["sms", "email"] = "sms"
    notify_language: Literal["kk", "ru", "en"] = "ru"
    benefit_category: str = Field(default="", max_length=40)
    document_issued_on: dt.date | None = None


class ApplicationOut(BaseModel):
    """One application as the public check shows it (a plain pydantic model: the most-served answer is
    read from the selector's dataclass by pydantic-core itself, without ninja's per-field getter)."""

    model_config = ConfigDict(from_attributes=True)

    number: int
    locality: str
    cohort: int
    tier: str
    status: str
    registered_at: dt.datetime
    valid_until: dt.date
    position: int | None
    cohort_size: int | None


class QueueCheckOut(ApplicationOut):
    """One application as the public check shows it, and the transparency log's checkpoint at the time of
    the answer (issue 17): its tree size and signing time, null while the log has none."""

    checkpoint_size: int | None = Field(
        default=None, description="tree size of the latest signed checkpoint of the transparency log"
    )
    checkpoint_at: dt.datetime | None = Field(default=None, description="when that checkpoint was signed")


class IinIn(Schema):
    iin: str = Field(max_length=20)


class QueueRowOut(Schema):
    position: int
    number: int
    tier: str
    registered_at: dt.datetime
    initials: str


class QueuePageOut(Schema):
    count: int
    page: int
    page_size: int
    items: list[QueueRowOut]
