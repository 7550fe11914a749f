"""Row locks of complaints and suggestions (order: `kezek.core.locks`)."""

from kezek.core.locks import locked

from .models import Feedback


def feedback_lock(pk: int) -> Feedback:
    """The feedback row, locked, with its locality read (not locked)."""
    return locked(Feedback.objects.select_related("locality")).get(pk=pk)
