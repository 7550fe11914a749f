import json
from typing import Any

from django.core.management.base import BaseCommand

from kezek.core.tick import tick_run


class Command(BaseCommand):
    help = "Apply everything that is due (idempotent; safe to run concurrently and late)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(json.dumps(tick_run(), sort_keys=True))
