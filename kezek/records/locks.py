"""Row locks of the children's files (order: `kezek.core.locks`): after the placement's group and
enrolment locks (a file opens, moves and closes inside those transactions), before the ledger head."""

from kezek.core.locks import locked

from .models import ChildDocument, ChildFile


def child_file_lock(pk: int) -> ChildFile:
    """The file, locked, with its organisation's locality read (not locked)."""
    return locked(ChildFile.objects.select_related("organisation__locality")).get(pk=pk)


def child_document_lock(pk: int) -> ChildDocument:
    return locked(ChildDocument.objects.all()).get(pk=pk)
