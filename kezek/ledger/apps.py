from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "kezek.ledger"
    label = "ledger"
