"""`{% latest_checkpoint as checkpoint %}`: the transparency log's latest signed checkpoint (or None), for
pages that say which checkpoint an answer was read at (the check-queue page, issue 17)."""

from django import template

from kezek.translog import selectors as log
from kezek.translog.models import Checkpoint

register = template.Library()


@register.simple_tag
def latest_checkpoint() -> Checkpoint | None:
    return log.checkpoint_latest()
