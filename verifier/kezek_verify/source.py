"""Where the log comes from: a portal's base URL (HTTP) or a directory holding the same files.

    URL                                             directory
    /log/checkpoint                                 checkpoint
    /log/tile/<L>/<N>[.p/<W>]                       tile/<L>/<N>[.p/<W>]
    /log/tile/entries/<N>[.p/<W>]                   tile/entries/<N>[.p/<W>]
    /api/v1/open-data/log/key  (JSON, "vkey")       key  (the verifier key text)
    /api/v1/open-data/<loc>/queue?page=N            open-data/<loc>/queue/page-N.json
    /api/v1/open-data/<loc>/queue/<cohort>?page=N   open-data/<loc>/queue/<cohort>/page-N.json
    /api/v1/open-data/<loc>/directions?page=N       open-data/<loc>/directions/page-N.json
    (the Date header of the lists' answers)         open-data/as-of  (ISO time the lists were read)

Pages are the API's answers: {"items": [...], "count": n, ...}. A directory's missing or malformed file,
like a URL's error answer, is a VerificationFailed naming it — never a traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import json
import urllib.error
import urllib.parse
import urllib.request
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from kezek_verify import tlog
from kezek_verify.errors import VerificationFailed

TIMEOUT = 30  # seconds per HTTP request
MAX_PAGES = 100_000
PAGE_SIZE = 200  # the API's largest page
USER_AGENT = "kezek-verify/0.1"


class Source(ABC):
    """The log's files, fetched as bytes; the lists as parsed pages."""

    def __init__(self) -> None:
        self._tiles: dict[str, bytes] = {}
        self._as_of: dt.datetime | None = None

    @abstractmethod
    def describe(self) -> str: ...

    @abstractmethod
    def _get(self, path: str, *, what: str) -> bytes:
        """The file at a log path (`checkpoint`, `tile/…`, `key`); VerificationFailed when unavailable."""

    @abstractmethod
    def _page(self, path: str, page: int) -> bytes:
        """Page `page` of the open-data list at `path` (e.g. `almaty/queue/2024`)."""

    @abstractmethod
    def key_text(self) -> str:
        """The verifier key the log publishes."""

    def checkpoint(self) -> bytes:
        return self._get("checkpoint", what="the checkpoint")

    def tile(self, tile: tlog.Tile) -> bytes:
        path = tlog.tile_path(tile)
        if path not in self._tiles:
            what = f"entry bundle {path}" if tile.L == -1 else f"hash tile {path}"
            self._tiles[path] = self._get(path, what=what)
        return self._tiles[path]

    def read_tiles(self, tiles: Sequence[tlog.Tile]) -> list[bytes]:
        """For `tlog.TileHashReader`: each tile's data (checked there against the signed root)."""
        return [self.tile(tile) for tile in tiles]

    def entry_bundle(self, index: int, width: int) -> list[bytes]:
        """The entries of bundle `index` of `width` entries (256 but for the tree's last bundle)."""
        tile = tlog.Tile(H=tlog.TILE_HEIGHT, L=-1, N=index, W=width)
        data = self.tile(tile)
        try:
            return tlog.decode_entry_bundle(data, width)
        except tlog.TlogError as exc:
            raise VerificationFailed(f"entry bundle {tlog.tile_path(tile)}: {exc}") from None

    def pages(self, path: str) -> Iterator[dict[str, Any]]:
        """The items of a paginated open-data list, page by page until `count` items came."""
        seen = 0
        for page in range(1, MAX_PAGES):
            raw = self._page(path, page)
            where = f"open-data list {path} page {page}"
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                raise VerificationFailed(f"{where}: not JSON") from None
            if not isinstance(body, dict) or not isinstance(body.get("items"), list):
                raise VerificationFailed(f"{where}: not a page ({{'items': [...], 'count': n}})")
            count = body.get("count")
            if type(count) is not int or count < 0:
                raise VerificationFailed(f"{where}: malformed count {count!r}")
            for item in body["items"]:
                if not isinstance(item, dict):
                    raise VerificationFailed(f"{where}: an item is not an object")
                yield item
            seen += len(body["items"])
            if seen >= count:
                if seen > count:
                    raise VerificationFailed(f"{where}: {seen} items for a count of {count}")
                return
            if not body["items"]:
                raise VerificationFailed(f"{where}: empty page after {seen} of {count} items")
        raise VerificationFailed(f"open-data list {path}: too many pages")

    def as_of(self) -> dt.datetime:
        """When the lists were read (a list shows state 'as it is now')."""
        return self._as_of or dt.datetime.now(dt.UTC)


class UrlSource(Source):
    def __init__(self, base: str) -> None:
        super().__init__()
        base = base.rstrip("/")
        if base.endswith("/log"):
            base = base[: -len("/log")]
        self.base = base

    def describe(self) -> str:
        return self.base

    def _fetch(self, url: str, *, what: str) -> tuple[bytes, Any]:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})  # noqa: S310 — http(s) only
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
                return response.read(), response.headers
        except urllib.error.HTTPError as exc:
            raise VerificationFailed(f"{what}: {url} answered {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise VerificationFailed(f"{what}: cannot read {url}: {exc}") from None

    def _get(self, path: str, *, what: str) -> bytes:
        return self._fetch(f"{self.base}/log/{path}", what=what)[0]

    def _page(self, path: str, page: int) -> bytes:
        query = urllib.parse.urlencode({"page": page, "page_size": PAGE_SIZE})
        url = f"{self.base}/api/v1/open-data/{path}?{query}"
        body, headers = self._fetch(url, what=f"open-data list {path}")
        date = headers.get("Date") if headers is not None else None
        if date and self._as_of is None:
            with contextlib.suppress(TypeError, ValueError):
                self._as_of = email.utils.parsedate_to_datetime(date)
        return body

    def key_text(self) -> str:
        url = f"{self.base}/api/v1/open-data/log/key"
        raw = self._fetch(url, what="the log's key")[0]
        try:
            vkey = json.loads(raw.decode("utf-8")).get("vkey")
        except (UnicodeDecodeError, ValueError, AttributeError):
            vkey = None
        if not isinstance(vkey, str):
            raise VerificationFailed(f"the log's key: {url} did not answer {{'vkey': ...}}")
        return vkey


class DirectorySource(Source):
    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        as_of = root / "open-data" / "as-of"
        if as_of.is_file():
            text = as_of.read_text(encoding="utf-8", errors="replace").strip()
            try:
                moment = dt.datetime.fromisoformat(text)
            except ValueError:
                raise VerificationFailed(f"{as_of}: not an ISO date and time: {text[:40]!r}") from None
            if moment.tzinfo is None:
                raise VerificationFailed(f"{as_of}: a time without its time zone")
            self._as_of = moment

    def describe(self) -> str:
        return str(self.root)

    def _read(self, relative: str, *, what: str) -> bytes:
        path = self.root / relative
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise VerificationFailed(f"{what}: {path} is missing") from None
        except OSError as exc:
            raise VerificationFailed(f"{what}: cannot read {path}: {exc.strerror}") from None

    def _get(self, path: str, *, what: str) -> bytes:
        if (self.root / path).is_file() or ".p/" not in path:
            return self._read(path, what=what)
        # A partial tile is a prefix of the full one: a directory may hold only that.
        tile = tlog.parse_tile_path(path)
        full = tlog.tile_path(tlog.Tile(H=tile.H, L=tile.L, N=tile.N, W=1 << tile.H))
        if not (self.root / full).is_file():
            return self._read(path, what=what)
        data = self._read(full, what=what)
        if tile.L != -1:
            return data[: tile.W * tlog.HASH_SIZE]
        try:
            return tlog.encode_entry_bundle(tlog.decode_entry_bundle(data)[: tile.W])
        except tlog.TlogError as exc:
            raise VerificationFailed(f"{what}: {full}: {exc}") from None

    def _page(self, path: str, page: int) -> bytes:
        return self._read(f"open-data/{path}/page-{page}.json", what=f"open-data list {path}")

    def key_text(self) -> str:
        return self._read("key", what="the log's key").decode("utf-8", errors="replace").strip()


def open_source(location: str) -> Source:
    """A URL (http:// or https://) or an existing directory; VerificationFailed otherwise."""
    if location.startswith(("http://", "https://")):
        return UrlSource(location)
    path = Path(location)
    if path.is_dir():
        return DirectorySource(path)
    raise VerificationFailed(f"the log {location!r} is neither an http(s) URL nor a directory")
