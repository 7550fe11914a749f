"""Open data pages (O1–O4, seats per group P1, staff decisions D1) of the visitor's locality and the
downloads (CSV/JSON) of any locality."""

from collections.abc import Iterable
from typing import Any

from django.core.paginator import Page, Paginator
from django.forms.utils import ErrorDict
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from ninja import Schema

from kezek.core import clock
from kezek.core.errors import DomainError, NotFound
from kezek.facilities import selectors as facilities
from kezek.facilities.models import Language, Locality
from kezek.placement.models import Direction
from kezek.waitlist import selectors as waitlist
from kezek.waitlist.models import Tier

from . import exports, selectors
from .forms import CohortForm, DirectionFilterForm, GroupFilterForm, PublicationFilterForm
from .schemas import DecisionOut, DirectionOut, GroupSeatsOut, PublicationOut, QueueRowOut

PAGE_SIZE = 25
QUEUE_PAGE_SIZE = 50


def _shown_locality(request: HttpRequest) -> Locality | None:
    """The visitor's locality (the portal's cookie), else the first one, as the portal's pages do."""
    return facilities.locality_for_request(request) or facilities.locality_list().first()


def _locality_or_404(code: str) -> Locality:
    try:
        return facilities.locality_get(code=code)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _query(request: HttpRequest) -> str:
    """The current filters as a query string (repeated keys kept), without the page number."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _page_number(request: HttpRequest) -> int:
    """The requested page number, 1 for anything that is not a small positive number."""
    value = request.GET.get("page", "1")
    if value.isascii() and value.isdigit() and len(value) <= 6:
        return max(int(value), 1)
    return 1


def _page_context(request: HttpRequest, locality: Locality | None, form: Any, rows: Any) -> dict[str, Any]:
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")) if rows is not None else None
    return {
        "shown_locality": locality,
        "form": form,
        "page": page,
        "query": _query(request),
        "too_many": exports.truncation_notice(page.paginator.count) if page else None,
    }


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    locality = _shown_locality(request)
    figures = selectors.figures(locality=locality) if locality else None
    return render(
        request,
        "opendata/index.html",
        {"shown_locality": locality, "figures": figures, "recent_days": selectors.RECENT_DAYS},
    )


@require_GET
def publications(request: HttpRequest) -> HttpResponse:
    locality = _shown_locality(request)
    ranges = selectors.age_ranges(locality=locality) if locality else []
    form = PublicationFilterForm(request.GET or None, age_ranges=ranges)
    rows = None
    if locality is not None and (not form.is_bound or form.is_valid()):
        rows = selectors.publication_list(locality=locality, filters=form.filters())
    return render(request, "opendata/publications.html", _page_context(request, locality, form, rows))


@require_GET
def directions(request: HttpRequest) -> HttpResponse:
    locality = _shown_locality(request)
    ranges = selectors.age_ranges(locality=locality) if locality else []
    form = DirectionFilterForm(request.GET or None, age_ranges=ranges)
    rows = None
    if locality is not None and (not form.is_bound or form.is_valid()):
        rows = selectors.direction_rows(locality=locality, filters=form.filters())
    context = _page_context(request, locality, form, rows)
    context.update(states=Direction.State.choices, languages=Language.choices)
    return render(request, "opendata/directions.html", context)


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    locality = _shown_locality(request)
    cohorts = selectors.cohort_list(locality=locality) if locality else []
    form = CohortForm(request.GET or None, cohorts=cohorts)
    cohort: int | None = None
    if form.is_bound and form.is_valid():
        cohort = form.cleaned_data["cohort"]
    if cohort is None and cohorts and not form.errors:
        cohort = cohorts[0].year
    page: Page[Any] | None = None
    if locality is not None and cohort is not None:
        rows: Any = selectors.QueueRows(locality=locality, cohort=cohort)
        number = _page_number(request)
        rows[(number - 1) * QUEUE_PAGE_SIZE : number * QUEUE_PAGE_SIZE]  # the count and the page, one read
        page = Paginator(rows, QUEUE_PAGE_SIZE).get_page(number)
    return render(
        request,
        "opendata/queue.html",
        {
            "shown_locality": locality,
            "form": form,
            "cohort": cohort,
            "cohorts": cohorts,
            "tiers": Tier.choices,
            "page": page,
            "query": f"cohort={cohort}" if cohort else "",
            "too_many": exports.truncation_notice(page.paginator.count) if page else None,
        },
    )


@require_GET
def stop_list(request: HttpRequest) -> HttpResponse:
    """S2: the applications taken out of distribution now, with the reason category and the dates."""
    locality = _shown_locality(request)
    entries = waitlist.stop_list_public(locality=locality) if locality else None
    return render(request, "opendata/stop_list.html", _page_context(request, locality, None, entries))


@require_GET
def groups(request: HttpRequest) -> HttpResponse:
    """P1: every active group's capacity, children enrolled, live directions and open places."""
    locality = _shown_locality(request)
    organisations = list(selectors.group_organisations(locality=locality)) if locality else []
    form = GroupFilterForm(request.GET or None, organisations=organisations)
    rows = None
    if locality is not None and (not form.is_bound or form.is_valid()):
        rows = selectors.group_seats(locality=locality, organisation_id=form.organisation())
    return render(request, "opendata/groups.html", _page_context(request, locality, form, rows))


@require_GET
def decisions(request: HttpRequest) -> HttpResponse:
    """D1: the redacted public line of every discretionary staff act, newest first."""
    locality = _shown_locality(request)
    rows = selectors.decision_rows(locality=locality) if locality else None
    return render(request, "opendata/decisions.html", _page_context(request, locality, None, rows))


# ----------------------------------------------------------------------------------------- downloads


def _invalid(errors: ErrorDict | str, status: int = 422, code: str = "invalid") -> JsonResponse:
    """A refused download, in the API's error shape {code, detail}."""
    detail: Any = errors
    if not isinstance(errors, str):
        detail = [
            {"loc": ["query", field], "msg": str(message)}
            for field, messages in errors.items()
            for message in messages
        ]
    body = {"code": code, "detail": detail}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def _meta(request: HttpRequest, locality: Locality, name: str, **extra: object) -> dict[str, object]:
    return {
        "list": name,
        "locality": locality.code,
        "generated_at": clock.now(),
        "filters": {key: request.GET.getlist(key) for key in sorted(request.GET)},
        **extra,
    }


def _download(
    request: HttpRequest,
    place: Locality,
    kind: str,
    fmt: str,
    *,
    rows: Iterable[Any],
    total: int,
    columns: list[exports.Column],
    schema: type[Schema],
    **extra: Any,
) -> HttpResponseBase:
    """One export: CSV with `columns`, or JSON of each row as `schema` with the request's `_meta`."""
    name = exports.filename(place.code, kind, *extra.values(), extension=fmt)
    if fmt == "csv":
        return exports.csv_download(name=name, columns=columns, rows=rows, total=total)
    items = (schema.from_orm(row).model_dump(mode="json") for row in rows)
    meta = _meta(request, place, kind, **extra)
    return exports.json_download(name=name, meta=meta, items=items, total=total)


@require_GET
def publications_export(request: HttpRequest, locality: str, fmt: str) -> HttpResponseBase:
    place = _locality_or_404(locality)
    form = PublicationFilterForm(request.GET)
    if not form.is_valid():
        return _invalid(form.errors)
    qs = selectors.publication_list(locality=place, filters=form.filters())
    total = qs.count()
    rows = qs[: selectors.EXPORT_LIMIT].iterator(chunk_size=2000)
    return _download(
        request,
        place,
        "publications",
        fmt,
        rows=rows,
        total=total,
        columns=exports.publication_columns(),
        schema=PublicationOut,
    )


@require_GET
def directions_export(request: HttpRequest, locality: str, fmt: str) -> HttpResponseBase:
    place = _locality_or_404(locality)
    form = DirectionFilterForm(request.GET)
    if not form.is_valid():
        return _invalid(form.errors)
    rows = selectors.direction_rows(locality=place, filters=form.filters())
    total = rows.count()
    stream = rows.iterator(limit=selectors.EXPORT_LIMIT)
    return _download(
        request,
        place,
        "directions",
        fmt,
        rows=stream,
        total=total,
        columns=exports.direction_columns(),
        schema=DirectionOut,
    )


@require_GET
def queue_export(request: HttpRequest, locality: str, cohort: int, fmt: str) -> HttpResponseBase:
    place = _locality_or_404(locality)
    queue_rows = selectors.QueueRows(locality=place, cohort=cohort)
    try:
        rows = queue_rows[0 : selectors.EXPORT_LIMIT]  # one query: the cohort's order is computed in SQL
    except DomainError as exc:
        return _invalid(str(exc.message), status=exc.status, code=exc.code)
    total = queue_rows.count()
    return _download(
        request,
        place,
        "queue",
        fmt,
        rows=rows,
        total=total,
        columns=exports.queue_columns(),
        schema=QueueRowOut,
        cohort=cohort,
    )


@require_GET
def groups_export(request: HttpRequest, locality: str, fmt: str) -> HttpResponseBase:
    place = _locality_or_404(locality)
    form = GroupFilterForm(request.GET, organisations=selectors.group_organisations(locality=place))
    if not form.is_valid():
        return _invalid(form.errors)
    qs = selectors.group_seats(locality=place, organisation_id=form.organisation())
    total = qs.count()
    rows = qs[: selectors.EXPORT_LIMIT].iterator(chunk_size=2000)
    return _download(
        request,
        place,
        "groups",
        fmt,
        rows=rows,
        total=total,
        columns=exports.group_columns(),
        schema=GroupSeatsOut,
    )


@require_GET
def decisions_export(request: HttpRequest, locality: str, fmt: str) -> HttpResponseBase:
    place = _locality_or_404(locality)
    rows = selectors.decision_rows(locality=place)
    total = rows.count()
    stream = rows.iterator(limit=selectors.EXPORT_LIMIT)
    return _download(
        request,
        place,
        "decisions",
        fmt,
        rows=stream,
        total=total,
        columns=exports.decision_columns(),
        schema=DecisionOut,
    )
