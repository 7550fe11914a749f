"""The log as static files, C2SP tlog-tiles (https://c2sp.org/tlog-tiles), under /log/: public, no login.

    /log/checkpoint                      the latest signed checkpoint (text/plain)
    /log/tile/<L>/<N>[.p/<W>]            hash tiles
    /log/tile/entries/<N>[.p/<W>]        entry bundles: public forms, each a uint16 length and its bytes

A tile's content never changes (a partial one is a prefix of the full one): cached for a year. The
checkpoint changes: cached briefly."""

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from kezek_verify import tlog

from . import selectors

IMMUTABLE = "public, max-age=31536000, immutable"
CHECKPOINT_MAX_AGE = 30  # seconds


def _response(body: bytes, content_type: str, cache: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Cache-Control"] = cache
    response["Access-Control-Allow-Origin"] = "*"  # verifiers in a browser
    return response


def _not_found(message: str) -> HttpResponse:
    response = HttpResponse(message, status=404, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def checkpoint(request: HttpRequest) -> HttpResponse:
    latest = selectors.checkpoint_latest()
    if latest is None:
        return _not_found(_("The log has no checkpoint yet."))
    cache = f"public, max-age={CHECKPOINT_MAX_AGE}"
    return _response(latest.note.encode(), "text/plain; charset=utf-8", cache)


@require_safe
def tile(request: HttpRequest, path: str) -> HttpResponse:
    try:
        wanted = tlog.parse_tile_path(f"tile/{path}")
    except tlog.TlogError:
        return _not_found(_("No such tile."))
    if wanted.L == -1:
        data = selectors.entry_bundle(index=wanted.N, width=wanted.W)
    else:
        data = selectors.hash_tile(level=wanted.L, index=wanted.N, width=wanted.W)
    if data is None:
        return _not_found(_("The log does not reach this tile yet."))
    return _response(data, "application/octet-stream", IMMUTABLE)
