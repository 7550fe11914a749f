from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kezek.integrity.diff import CHUNK_SIZE
from kezek.integrity.models import IntegrityRun
from kezek.integrity.services import integrity_run_perform


class Command(BaseCommand):
    help = (
        "Verify the ledger's chain, replay it and compare the live tables with the state it implies; print "
        "each finding (personal data masked), record the run, exit non-zero on any finding."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)

    def handle(self, *args: Any, **options: Any) -> None:
        run = integrity_run_perform(
            run=IntegrityRun.objects.create(trigger=IntegrityRun.Trigger.COMMAND),
            chunk_size=options["chunk_size"],
        )
        for finding in run.findings:
            kind, about, expected, found = (finding[k] for k in ("kind", "object", "expected", "found"))
            self.stdout.write(f"{kind}\t{about}\texpected: {expected}\tfound: {found}")
        if run.verdict == IntegrityRun.Verdict.ERROR:
            raise CommandError(f"integrity check failed: {run.error}")
        if run.findings_count:
            more = run.findings_count - len(run.findings)
            raise CommandError(
                f"{run.findings_count} findings in {run.events_checked} events"
                + (f" ({more} more not printed)" if more > 0 else "")
            )
        self.stdout.write(
            self.style.SUCCESS(f"integrity OK: {run.events_checked} events replayed, no findings")
        )
