import json
import logging
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from kezek.core.tick import tick_run

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Apply everything that is due (idempotent; safe to run concurrently and late)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--every",
            type=int,
            default=0,
            metavar="SECONDS",
            help="keep running, one tick every SECONDS (the worker loop); default: one tick and exit",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = options["every"]
        if every < 0:
            raise ValueError("--every must not be negative")
        while True:
            started = time.monotonic()
            try:
                result = tick_run()
            except Exception:
                if not every:
                    raise
                logger.exception("tick failed; trying again in %s s", every)  # the loop must survive
            else:
                self.stdout.write(json.dumps(result, sort_keys=True))
            if not every:
                return
            close_old_connections()
            time.sleep(max(0.0, every - (time.monotonic() - started)))
