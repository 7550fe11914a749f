from django.apps import AppConfig
from django.db.backends.signals import connection_created


class LedgerConfig(AppConfig):
    name = "kezek.ledger"
    label = "ledger"

    def ready(self) -> None:
        from .guards import sqlite_function_define

        connection_created.connect(sqlite_function_define, dispatch_uid="ledger_sqlite_function")
