"""Row locks of place exchange (order: `kezek.core.locks`). An exchange's groups (facilities, by primary
key) come first, as for any seat change; then the locality's row, which serialises one locality's rounds
(E73); then a round, an exchange, an offer; an accepted cycle's enrolments (placement's lock, by primary
key) after its exchange (E76). No path takes a group after the locality's row."""

from kezek.core.locks import locked
from kezek.facilities.models import Locality

from .models import Exchange, ExchangeOffer, ExchangeRound


def locality_lock(pk: int) -> Locality:
    """The locality's row (FOR NO KEY UPDATE): one round of a locality at a time (E73)."""
    return locked(Locality.objects.all(), no_key=True).get(pk=pk)


def round_lock(pk: int) -> ExchangeRound:
    return locked(ExchangeRound.objects.select_related("locality")).get(pk=pk)


def exchange_lock(pk: int) -> Exchange:
    """The exchange, locked, with its round and locality read (not locked)."""
    return locked(Exchange.objects.select_related("round__locality")).get(pk=pk)


def offer_lock(pk: int) -> ExchangeOffer:
    return locked(ExchangeOffer.objects.select_related("locality")).get(pk=pk)
