"""Open data API (rules O1–O5), public, under /api/v1/open-data/{locality}/…: figures, seats per group, the
protocol of freed places, the protocol of directions, queue lists, staff decisions (D1). Every list is
paginated; the full filtered sets are downloads of the pages (`/open-data/{locality}/….csv|json`, see
`kezek.opendata.urls`)."""

from django.http import HttpRequest
from ninja import Path, Query, Router
from ninja.pagination import paginate

from kezek.core.pagination import BoundedPageNumberPagination
from kezek.core.schemas import ErrorOut
from kezek.facilities import selectors as facilities

from . import selectors
from .schemas import (
    CohortOut,
    CohortPath,
    DecisionOut,
    DirectionOut,
    DirectionQuery,
    FiguresOut,
    GroupSeatsOut,
    GroupSeatsQuery,
    LocalityPath,
    PublicationOut,
    PublicationQuery,
    QueueRowOut,
)

router = Router(tags=["open data"])
ERRORS = {404: ErrorOut, 422: ErrorOut}


@router.get(
    "/open-data/{locality}/figures",
    url_name="opendata_figures",
    response={200: FiguresOut, **ERRORS},
    summary="O1: organisations, free places, queued applications, enrolled and left in the last 5 days",
)
def figures(request: HttpRequest, path: Path[LocalityPath]) -> FiguresOut:
    counts = selectors.figures(locality=facilities.locality_get(code=path.locality))
    return FiguresOut(recent_days=selectors.RECENT_DAYS, **counts.__dict__)


@router.get(
    "/open-data/{locality}/groups",
    url_name="opendata_groups",
    response={200: list[GroupSeatsOut], **ERRORS},
    summary="P1: every active group's seats — capacity = enrolled + live directions + open places "
    "(+ unpublished: 0 but until the next tick)",
)
@paginate(BoundedPageNumberPagination, page_size=50)
def groups(request: HttpRequest, path: Path[LocalityPath], filters: Query[GroupSeatsQuery]) -> object:
    place = facilities.locality_get(code=path.locality)
    return selectors.group_seats(locality=place, organisation_id=filters.organisation_id)


@router.get(
    "/open-data/{locality}/publications",
    url_name="opendata_publications",
    response={200: list[PublicationOut], **ERRORS},
    summary="O2: the protocol of freed places — every publication, newest first, with filters",
)
@paginate(BoundedPageNumberPagination, page_size=50)
def publications(request: HttpRequest, path: Path[LocalityPath], filters: Query[PublicationQuery]) -> object:
    place = facilities.locality_get(code=path.locality)
    return selectors.publication_list(locality=place, filters=filters.filters())


@router.get(
    "/open-data/{locality}/directions",
    url_name="opendata_directions",
    response={200: list[DirectionOut], **ERRORS},
    summary="O3: the protocol of directions — every direction (state as it is now) and every staff child "
    "enrolled outside the queue (P7), newest first, with filters",
)
@paginate(BoundedPageNumberPagination, page_size=50)
def directions(request: HttpRequest, path: Path[LocalityPath], filters: Query[DirectionQuery]) -> object:
    place = facilities.locality_get(code=path.locality)
    return selectors.direction_rows(locality=place, filters=filters.filters())


@router.get(
    "/open-data/{locality}/decisions",
    url_name="opendata_decisions",
    response={200: list[DecisionOut], **ERRORS},
    summary="D1: discretionary staff acts, newest first — the act, the application's number, the "
    "document's number and the hash of the basis on the ledger (the reason is not public)",
)
@paginate(BoundedPageNumberPagination, page_size=50)
def decisions(request: HttpRequest, path: Path[LocalityPath]) -> object:
    return selectors.decision_rows(locality=facilities.locality_get(code=path.locality))


@router.get(
    "/open-data/{locality}/queue",
    url_name="opendata_cohorts",
    response={200: list[CohortOut], **ERRORS},
    summary="O4: the birth-year cohorts of the locality's queue with their sizes",
)
@paginate(BoundedPageNumberPagination, page_size=50)
def cohorts(request: HttpRequest, path: Path[LocalityPath]) -> object:
    return selectors.cohort_list(locality=facilities.locality_get(code=path.locality))


@router.get(
    "/open-data/{locality}/queue/{cohort}",
    url_name="opendata_queue",
    response={200: list[QueueRowOut], **ERRORS},
    summary="O4: the queue list of a cohort — position, number, tier, registration time, initials",
)
@paginate(BoundedPageNumberPagination, page_size=50)
def queue(request: HttpRequest, path: Path[CohortPath]) -> object:
    place = facilities.locality_get(code=path.locality)
    return selectors.QueueRows(locality=place, cohort=path.cohort)
