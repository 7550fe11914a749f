"""The latest integrity check, public (open data): when it ran and its verdict, no findings' details."""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from kezek.core.errors import NotFound
from kezek.core.schemas import ErrorOut

from .selectors import integrity_run_latest

router = Router(tags=["open data"])


class IntegrityOut(Schema):
    finished_at: dt.datetime
    verdict: str  # ok | findings | error
    events_checked: int
    findings: int


@router.get(
    "/open-data/integrity",
    url_name="opendata_integrity",
    response={200: IntegrityOut, 404: ErrorOut},
    summary="The latest check of the live tables against the replayed ledger: its time and verdict",
)
def integrity_latest(request: HttpRequest) -> IntegrityOut:
    run = integrity_run_latest()
    if run is None or run.finished_at is None:
        raise NotFound(_("No integrity check has run yet."))
    return IntegrityOut(
        finished_at=run.finished_at,
        verdict=run.verdict,
        events_checked=run.events_checked,
        findings=run.findings_count,
    )
