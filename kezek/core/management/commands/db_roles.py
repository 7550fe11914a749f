from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from kezek.core.db_roles import DatabaseRolesError, db_roles_apply


class Command(BaseCommand):
    help = (
        "PostgreSQL least privilege (issue 16): create the owner and application roles if missing, give the "
        "owner the database and every object of its schema, grant the application role only row access "
        "(the ledger: read and append). Idempotent; run it as a superuser once, then as the owner after "
        "every migrate."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--owner", required=True, help="the role that owns the schema and runs migrate")
        parser.add_argument("--app", required=True, help="the role the application connects as")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="the connection to use")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            statements = db_roles_apply(owner=options["owner"], app=options["app"], using=options["database"])
        except DatabaseRolesError as exc:
            raise CommandError(str(exc)) from exc
        if options["verbosity"] > 1:
            for statement in statements:
                self.stdout.write(f"{statement};")
        self.stdout.write(
            f"roles ready: {options['owner']} owns the schema, {options['app']} reads and writes rows"
            f" ({len(statements)} statements)"
        )
