"""Queue API: register an application, public check-queue by IIN (naming the transparency log's latest
checkpoint), public queue lists (O4)."""

import dataclasses

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import Field

from kezek.core.http import ClientRateThrottle
from kezek.core.pagination import MAX_PAGE
from kezek.core.schemas import ErrorOut
from kezek.facilities import selectors as facilities
from kezek.translog import selectors as log

from . import selectors, services
from .schemas import ApplicationIn, ApplicationOut, IinIn, QueueCheckOut, QueuePageOut, QueueRowOut

router = Router(tags=["queue"])
QUEUE_PAGE_SIZE = 50
OPTIONAL_FILE = File(None)  # the benefit certificate (multipart), only with benefit_category


@router.post(
    "/applications",
    response={201: ApplicationOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="Register an application (two confirmed phones, persons from the registry)",
)
def application_register(
    request: HttpRequest, data: Form[ApplicationIn], document: UploadedFile | None = OPTIONAL_FILE
) -> Status[selectors.CheckResult]:
    locality = facilities.locality_get(code=data.locality)
    extraordinary = (
        services.BenefitDocument(
            category_code=data.benefit_category, document=document, issued_on=data.document_issued_on
        )
        if data.benefit_category
        else None
    )
    application = services.application_register(
        locality=locality,
        applicant_iin=data.applicant_iin,
        child_iin=data.child_iin,
        phone=data.phone,
        phone_code_id=data.phone_code_id,
        phone_alt=data.phone_alt,
        phone_alt_code_id=data.phone_alt_code_id,
        details=services.ApplicantInput(
            address=data.address,
            language=data.language,
            email=data.email,
            notify_channel=data.notify_channel,
            notify_language=data.notify_language,
        ),
        extraordinary=extraordinary,
    )
    return Status(201, selectors.application_summary(application=application))


@router.post(
    "/queue/check",
    response={200: list[QueueCheckOut], 422: ErrorOut, 429: ErrorOut},
    throttle=[ClientRateThrottle(settings.QUEUE_CHECK_RATE)],
    summary="Check the queue by the child's or the applicant's IIN (no other person's data)",
)
def queue_check(request: HttpRequest, data: IinIn) -> list[QueueCheckOut]:
    """Each answer names the transparency log's latest signed checkpoint (size and time, null without one)."""
    results = selectors.check_queue(iin=data.iin)
    checkpoint = log.checkpoint_latest() if results else None
    size, at = (checkpoint.size, checkpoint.issued_at) if checkpoint else (None, None)
    return [
        QueueCheckOut(**dataclasses.asdict(result), checkpoint_size=size, checkpoint_at=at)
        for result in results
    ]


class QueuePageQuery(Schema):
    page: int = Field(default=1, ge=1, le=MAX_PAGE)


@router.get(
    "/queue/{locality}/{cohort}",
    response={200: QueuePageOut, 404: ErrorOut, 422: ErrorOut},
    summary="The public queue of a locality's birth-year cohort (O4: numbers and initials only)",
)
def queue_list(
    request: HttpRequest, locality: str, cohort: int, query: Query[QueuePageQuery]
) -> QueuePageOut:
    place = facilities.locality_get(code=locality)
    offset = (query.page - 1) * QUEUE_PAGE_SIZE
    count, rows = selectors.queue_page(locality=place, cohort=cohort, offset=offset, limit=QUEUE_PAGE_SIZE)
    return QueuePageOut(
        count=count,
        page=query.page,
        page_size=QUEUE_PAGE_SIZE,
        items=[QueueRowOut(**row.__dict__) for row in rows],
    )
