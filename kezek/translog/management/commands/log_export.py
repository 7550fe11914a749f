"""`manage.py log_export DIR`: the signed log and the open-data lists as files, for `kezek-verify check
--log DIR` (docs/transparency.md, "Verifying"): anyone can check a snapshot without reaching the portal."""

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import Client

from kezek.core import clock
from kezek.facilities.models import Locality
from kezek.ledger.models import LedgerEvent
from kezek.translog import selectors
from kezek.translog.keys import log_vkey
from kezek_verify import tlog

PAGE_SIZE = 200  # the API's largest page
MAX_PAGES = 100_000


def _host() -> str:
    """A host the site answers to, for the in-process requests of the open-data API."""
    for host in settings.ALLOWED_HOSTS:
        if host and "*" not in host:
            return host.lstrip(".")
    return "localhost"


class Command(BaseCommand):
    help = (
        "Write the latest signed checkpoint, every hash tile and entry bundle it needs, the verifier key and "
        "every locality's open-data queue lists and directions protocol (as the API serves them) into DIR."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        root: Path = options["directory"]
        checkpoint = selectors.checkpoint_latest()
        if checkpoint is None:
            raise CommandError("the log has no checkpoint yet: run `manage.py tick` first")
        size = checkpoint.size
        self._put(root, "checkpoint", checkpoint.note.encode())
        self._put(root, "key", (log_vkey() + "\n").encode())
        tiles = 0
        for tile in tlog.new_tiles(tlog.TILE_HEIGHT, 0, size):
            data = selectors.hash_tile(level=tile.L, index=tile.N, width=tile.W)
            if data is None:
                raise CommandError(f"hash tile {tlog.tile_path(tile)} is not stored")
            self._put(root, tlog.tile_path(tile), data)
            tiles += 1
        width = tlog.TILE_WIDTH
        for index in range((size + width - 1) // width):
            count = min(width, size - index * width)
            bundle = selectors.entry_bundle(index=index, width=count)
            if bundle is None:
                raise CommandError(f"entry bundle {index} is beyond the tree")
            self._put(root, tlog.tile_path(tlog.Tile(H=tlog.TILE_HEIGHT, L=-1, N=index, W=count)), bundle)
            tiles += 1
        client = Client(headers={"host": _host()})
        self._put(root, "open-data/as-of", clock.now().isoformat().encode())
        lists = 0
        for code in Locality.objects.order_by("code").values_list("code", flat=True):
            cohorts = self._pages(client, root, f"{code}/queue")
            for row in cohorts:
                self._pages(client, root, f"{code}/queue/{row['year']}")
            self._pages(client, root, f"{code}/directions")
            lists += 2 + len(cohorts)
        self.stdout.write(
            f"exported checkpoint of size {size}, {tiles} tiles and bundles, {lists} lists to {root}"
        )
        ahead = (LedgerEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0) - size
        if ahead > 0:
            self.stderr.write(
                f"warning: the ledger is {ahead} events ahead of the checkpoint: the lists show them, the "
                "checkpoint does not (run `manage.py tick` until a checkpoint covers them, then export again)"
            )

    def _pages(self, client: Client, root: Path, path: str) -> list[dict[str, Any]]:
        """Every page of an open-data list, written as the API answers it; the items."""
        items: list[dict[str, Any]] = []
        for page in range(1, MAX_PAGES):
            response = client.get(
                f"/api/v1/open-data/{path}", {"page": page, "page_size": PAGE_SIZE}, secure=True
            )
            if response.status_code != 200:
                raise CommandError(f"/api/v1/open-data/{path} page {page} answered {response.status_code}")
            self._put(root, f"open-data/{path}/page-{page}.json", response.content)
            body = json.loads(response.content)
            items.extend(body["items"])
            if len(items) >= body["count"] or not body["items"]:
                return items
        raise CommandError(f"/api/v1/open-data/{path}: too many pages")

    @staticmethod
    def _put(root: Path, relative: str, data: bytes) -> None:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
