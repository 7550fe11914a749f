"""`manage.py seed_demo`: load the deterministic demo data (regions, kindergartens, registry, queue)."""

from argparse import ArgumentParser, RawDescriptionHelpFormatter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kezek.demo.generate import DEFAULT_SEED, SCALES
from kezek.demo.services import (
    DemoDataInUse,
    DemoDataPresent,
    TooManyApplications,
    demo_data_present,
    demo_load,
)


class Command(BaseCommand):
    help = """Load deterministic demo data: the same --scale and --seed always give the same rows.

scales:
  small    3 localities of East Kazakhstan, 26 organisations, 8 000 children (what `make run` loads),
           a queue of every child under 7 (~7 200 applications); its history: most seats of every
           kindergarten taken from the queue (directions, enrolments, files), vouchers in Glubokoe,
           timesheets and statements in the first kindergarten
  region   about one city (Ust-Kamenogorsk and its districts): 350 organisations, ~2 000 groups,
           110 000 children and their parents in the local registry, ~100 000 applications
  country  every region of Kazakhstan: 12 000 organisations, 2 000 000 children, 1 000 000
           applications (for benchmarks)

The queue: applicants (a registry parent, two mobile phones), children and applications registered over
the last six years (Q1–Q7: cohorts, ordinals, ~12 % first-priority by registry benefits, ~1.5 %
extraordinary, a few % stop-listed after a missed yearly confirmation), benefit claims, cohort counters,
Fenwick rank nodes, and the ledger events of it all, hash-chained (`ledger_verify` passes).

Demo data = the demo regions (codes such as `vko`, with their localities, departments, organisations,
groups, base fees), the whole local registry (persons, kinship, benefits), the whole queue and the ledger.
When demo data already exists the command refuses and changes nothing (exit status 1), unless:
  --reset     delete the demo data first and load again, in one transaction (fails, changing nothing,
              if other records such as directions still reference demo rows). The append-only ledger is
              emptied with TRUNCATE and a warning is printed; refused with KEZEK_ENV=production;
  --if-empty  do nothing and exit successfully (used by `make run`).
Everything is written in one transaction: an interrupted run leaves no partial data.
Prints one summary line (counts, seconds); -v 2 also reports progress on stderr."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = RawDescriptionHelpFormatter
        return parser

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--scale", choices=list(SCALES), default="small", help="how much data to load (default: small)"
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default: {DEFAULT_SEED})"
        )
        parser.add_argument(
            "--applications",
            type=int,
            metavar="N",
            help="number of queue applications (default: every child under 7; country: 1 000 000)",
        )
        existing = parser.add_mutually_exclusive_group()
        existing.add_argument(
            "--reset", action="store_true", help="delete existing demo data first, then load"
        )
        existing.add_argument(
            "--if-empty", action="store_true", help="skip quietly (exit 0) if demo data already exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"]:
            present = demo_data_present()
            if present:
                self.stdout.write(f"seed_demo: demo data already present ({present}); nothing loaded")
                return
        progress = self.stderr.write if options["verbosity"] >= 2 else None
        try:
            result = demo_load(
                scale=options["scale"],
                seed=options["seed"],
                reset=options["reset"],
                applications=options["applications"],
                progress=progress,
            )
        except DemoDataPresent as exc:
            raise CommandError(
                f"demo data already present ({exc}); nothing loaded. "
                "Use --reset to replace it or --if-empty to skip."
            ) from exc
        except (DemoDataInUse, TooManyApplications, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if result.ledger_emptied:
            self.stderr.write(
                self.style.WARNING(
                    f"seed_demo --reset: the append-only ledger was EMPTIED ({result.ledger_emptied} events "
                    "removed) together with the queue it recorded. Only ever do this to a demo database."
                )
            )
        self.stdout.write(self.style.SUCCESS(result.summary()))
