"""Row locks of the yearly confirmation (order: `kezek.core.locks`): a campaign's row, before the cohorts
its sweep or an applicant's answers lock."""

from kezek.core.locks import locked

from .models import Campaign


def campaign_lock(pk: int, *, no_key: bool = False) -> Campaign:
    """The campaign, locked, with its locality read (not locked). `no_key`: FOR NO KEY UPDATE, which does
    not block the answers' inserts (their foreign keys point at the campaign)."""
    return locked(Campaign.objects.select_related("locality"), no_key=no_key).get(pk=pk)
