"""Open the child's file of every current enrolment that has none (E1), each with its ledger event."""

from typing import Any

from django.core.management.base import BaseCommand

from kezek.records.services import child_files_open_missing


class Command(BaseCommand):
    help = "Open the child's file of every current enrolment that has none (rule E1)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{child_files_open_missing()} files opened")
