from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "kezek.funding"
    label = "funding"
    verbose_name = "Funding"
