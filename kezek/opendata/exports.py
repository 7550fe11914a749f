"""Downloads of the open data lists: CSV (UTF-8 with a BOM, so Excel reads Cyrillic) and JSON, streamed
row by row from a database iterator, at most `selectors.EXPORT_LIMIT` rows. A cut download says so (JSON:
`truncated` and `detail`; both: the `X-Total-Count` / `X-Export-Truncated` headers; the pages warn)."""

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import StreamingHttpResponse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from kezek.core import clock
from kezek.facilities.models import Group, Language, Organisation
from kezek.placement.models import Direction, Publication
from kezek.waitlist.models import Tier

from . import selectors

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a cell Excel would run as a formula (CSV injection)
Column = tuple[str | Promise, Callable[[Any], object]]


class _Echo:
    """A file-like object whose `write` returns the line: `csv.writer` then yields lines to stream."""

    def write(self, value: str) -> str:
        return value


def cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return value.astimezone(clock.local_tz()).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_START) else text


def truncation_notice(total: int) -> str | None:
    """What a cut download and the page say; None when everything fits."""
    limit = selectors.EXPORT_LIMIT
    if total <= limit:
        return None
    return ngettext(
        "Only the first %(limit)s of %(total)s row are in the download: narrow the filters to get the rest.",
        "Only the first %(limit)s of %(total)s rows are in the download: narrow the filters to get the rest.",
        total,
    ) % {"limit": limit, "total": total}


def filename(*parts: object, extension: str) -> str:
    stem = "-".join(str(part) for part in ("kezek", *parts, clock.today().isoformat()))
    return f"{stem}.{extension}"


def _headers(response: StreamingHttpResponse, *, name: str, total: int) -> StreamingHttpResponse:
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=name) or ""
    response["X-Total-Count"] = str(total)
    response["X-Export-Limit"] = str(selectors.EXPORT_LIMIT)
    response["X-Export-Truncated"] = "true" if total > selectors.EXPORT_LIMIT else "false"
    response["Cache-Control"] = "no-store"
    return response


def csv_download(
    *, name: str, columns: list[Column], rows: Iterable[Any], total: int
) -> StreamingHttpResponse:
    """Stream `rows` as CSV; the header and the values are rendered in the request's language."""
    language = translation.get_language()

    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        with translation.override(language):
            yield "\ufeff" + writer.writerow([str(title) for title, _getter in columns])
            for row in rows:
                yield writer.writerow([cell(getter(row)) for _title, getter in columns])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    return _headers(response, name=name, total=total)


def json_download(
    *, name: str, meta: dict[str, Any], items: Iterable[dict[str, Any]], total: int
) -> StreamingHttpResponse:
    """Stream `{…meta, count, limit, truncated, detail, items: […]}` item by item."""
    language = translation.get_language()

    def chunks() -> Iterator[str]:
        with translation.override(language):
            head = {
                **meta,
                "count": total,
                "limit": selectors.EXPORT_LIMIT,
                "truncated": total > selectors.EXPORT_LIMIT,
                "detail": truncation_notice(total),
            }
            yield json.dumps(head, ensure_ascii=False, cls=DjangoJSONEncoder)[:-1] + ', "items": ['
            for index, item in enumerate(items):
                yield ("," if index else "") + json.dumps(item, ensure_ascii=False, cls=DjangoJSONEncoder)
            yield "]}"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    return _headers(response, name=name, total=total)


# ------------------------------------------------------------------------------------------- columns


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _age(age_from: int, age_to: int) -> str:
    return f"{age_from}–{age_to}"


def publication_columns() -> list[Column]:
    return [
        (gettext_lazy("Number"), lambda p: p.pk),
        (gettext_lazy("Published at"), lambda p: p.published_at),
        (gettext_lazy("Preschool organisation"), lambda p: p.group.organisation.name),
        (gettext_lazy("Ownership"), lambda p: _label(Organisation.Ownership, p.group.organisation.ownership)),
        (gettext_lazy("Address"), lambda p: p.group.organisation.address),
        (gettext_lazy("Group"), lambda p: p.group.name),
        (gettext_lazy("Age, years"), lambda p: _age(p.group.age_from, p.group.age_to)),
        (gettext_lazy("Language"), lambda p: _label(Language, p.group.language)),
        (gettext_lazy("Kind of group"), lambda p: _label(Group.Kind, p.group.kind)),
        (gettext_lazy("Places"), lambda p: p.places),
        (gettext_lazy("Priority access until"), lambda p: p.priority_until),
        (gettext_lazy("Cause"), lambda p: _label(Publication.Cause, p.cause)),
    ]


def direction_columns() -> list[Column]:
    return [
        (gettext_lazy("Direction"), lambda r: r.number),
        (gettext_lazy("Application"), lambda r: r.application),
        (gettext_lazy("Issued at"), lambda r: r.issued_at),
        (gettext_lazy("Valid until"), lambda r: r.valid_until),
        (gettext_lazy("Enrolled on"), lambda r: r.enrolled_on),
        (gettext_lazy("State"), lambda r: _label(Direction.State, r.state)),
        (gettext_lazy("Preschool organisation"), lambda r: r.organisation_name),
        (gettext_lazy("Age, years"), lambda r: _age(r.age_from, r.age_to)),
        (gettext_lazy("Language"), lambda r: _label(Language, r.language)),
        (gettext_lazy("Child of the kindergarten's staff"), lambda r: r.staff_child),
    ]


def queue_columns() -> list[Column]:
    return [
        (gettext_lazy("Position"), lambda r: r.position),
        (gettext_lazy("Application"), lambda r: r.number),
        (gettext_lazy("Tier"), lambda r: _label(Tier, r.tier)),
        (gettext_lazy("Registered at"), lambda r: r.registered_at),
        (gettext_lazy("Initials"), lambda r: r.initials),
    ]


def group_columns() -> list[Column]:
    return [
        (gettext_lazy("Preschool organisation"), lambda g: g.organisation.name),
        (gettext_lazy("Group"), lambda g: g.name),
        (gettext_lazy("Age, years"), lambda g: _age(g.age_from, g.age_to)),
        (gettext_lazy("Language"), lambda g: _label(Language, g.language)),
        (gettext_lazy("Kind of group"), lambda g: _label(Group.Kind, g.kind)),
        (gettext_lazy("Capacity"), lambda g: g.capacity),
        (gettext_lazy("Enrolled"), lambda g: g.enrolled),
        (gettext_lazy("Live directions"), lambda g: g.live_directions),
        (gettext_lazy("Open places"), lambda g: g.open_places),
        (gettext_lazy("Not yet published"), lambda g: g.unpublished),
    ]


def decision_columns() -> list[Column]:
    return [
        (gettext_lazy("Ledger number"), lambda r: r.seq),
        (gettext_lazy("Date and time"), lambda r: r.occurred_at),
        (gettext_lazy("Decision"), lambda r: r.act_label),
        (gettext_lazy("Application"), lambda r: r.application),
        (gettext_lazy("Preschool organisation"), lambda r: r.organisation_name),
        (gettext_lazy("Document No."), lambda r: r.document_number),
        (gettext_lazy("Hash of the basis (SHA-256)"), lambda r: r.basis_hash),
    ]
