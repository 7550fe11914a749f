"""Row locks of the cabinet's own rows (order: `kezek.core.locks`); applicants and applications are
locked by `kezek.waitlist.locks`."""

from kezek.core.locks import locked

from .models import AccessRequest


def access_request_lock(pk: int) -> AccessRequest:
    """A request to restore access to a cabinet, locked (before the applications it moves)."""
    return locked(AccessRequest.objects.all()).get(pk=pk)
