"""Django's `flush`, which empties every table (transactional tests, `manage.py flush`), with the
ledger's SQLite DELETE guard lifted for it (see kezek.ledger.guards; PostgreSQL flushes by TRUNCATE)."""

from typing import Any

from django.core.management.commands import flush

from kezek.ledger.guards import ledger_emptying


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with ledger_emptying():
            super().handle(**options)
