from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kezek.ledger.models import LedgerVerification
from kezek.ledger.selectors import VERIFY_CHUNK_SIZE
from kezek.ledger.services import ledger_verification_run


class Command(BaseCommand):
    help = (
        "Verify the ledger's hash chain and record the run (shown in the back-office); exit non-zero and "
        "name the first broken link if it is broken."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--chunk-size", type=int, default=VERIFY_CHUNK_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        result = ledger_verification_run(
            trigger=LedgerVerification.Trigger.COMMAND, chunk_size=options["chunk_size"]
        )
        if not result.ok:
            raise CommandError(
                f"ledger BROKEN at seq {result.first_broken_seq}: {result.reason} "
                f"({result.checked} events before it are intact)"
            )
        self.stdout.write(self.style.SUCCESS(f"ledger OK: {result.checked} events"))
