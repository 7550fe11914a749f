"""The transparency log under the open-data API (issue 17, item 4): the key, the checkpoints, entries and
RFC 9162 proofs, public. Check them with the independent verifier (kezek_verify); docs/transparency.md."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.pagination import paginate

from kezek.core.errors import NotFound, ValidationFailed
from kezek.core.pagination import BoundedPageNumberPagination
from kezek.core.schemas import ErrorOut
from kezek_verify import tlog

from . import selectors
from .keys import log_signer, log_vkey
from .schemas import (
    CheckpointOut,
    ConsistencyProofOut,
    ConsistencyQuery,
    EntriesOut,
    EntriesQuery,
    EntryOut,
    InclusionProofOut,
    InclusionQuery,
    LogKeyOut,
)

router = Router(tags=["transparency log"])


def _b64(value: bytes) -> str:
    return tlog.format_hash(value)


def _within_tree(size: int) -> int:
    """The tree's size now; NotFound when `size` is beyond it."""
    tree_size = selectors.log_head().size
    if size > tree_size:
        raise NotFound(
            _("The log holds %(size)d entries: it has no tree of that size yet.") % {"size": tree_size},
            code="beyond_log",
        )
    return tree_size


@router.get(
    "/open-data/log/key",
    url_name="translog_key",
    response={200: LogKeyOut},
    summary="The log's origin and the verifier key of its signed checkpoints",
)
def log_key(request: HttpRequest) -> LogKeyOut:
    signer = log_signer()
    return LogKeyOut(
        origin=settings.TRANSPARENCY_LOG_ORIGIN,
        key_name=signer.name,
        key_id=f"{signer.key_hash:08x}",
        vkey=log_vkey(),
    )


@router.get(
    "/open-data/log/checkpoints",
    url_name="translog_checkpoints",
    response={200: list[CheckpointOut], 422: ErrorOut},
    summary="Every signed checkpoint of the log, newest first",
)
@paginate(BoundedPageNumberPagination, page_size=50)
def checkpoints(request: HttpRequest) -> object:
    return [
        CheckpointOut(size=c.size, root_hash=_b64(bytes(c.root_hash)), issued_at=c.issued_at, note=c.note)
        for c in selectors.checkpoint_list()
    ]


@router.get(
    "/open-data/log/entries",
    url_name="translog_entries",
    response={200: EntriesOut, 422: ErrorOut},
    summary="The public forms of leaves start … end - 1 (at most 1000), with their leaf hashes",
)
def entries(request: HttpRequest, query: Query[EntriesQuery]) -> EntriesOut:
    if query.end <= query.start:
        raise ValidationFailed(_("The end must be greater than the start."), code="range_reversed")
    if query.end - query.start > selectors.ENTRIES_MAX:
        raise ValidationFailed(
            _("At most %(max)d entries at a time.") % {"max": selectors.ENTRIES_MAX}, code="range_too_big"
        )
    tree_size = selectors.log_head().size
    if query.end > tree_size:
        raise ValidationFailed(
            _("The log holds %(size)d entries.") % {"size": tree_size}, code="range_beyond_log"
        )
    forms = selectors.entries(start=query.start, end=query.end)
    return EntriesOut(
        tree_size=tree_size,
        entries=[
            EntryOut(index=query.start + i, entry=form.decode(), leaf_hash=_b64(tlog.record_hash(form)))
            for i, form in enumerate(forms)
        ],
    )


@router.get(
    "/open-data/log/proof/inclusion",
    url_name="translog_inclusion",
    response={200: InclusionProofOut, 404: ErrorOut, 422: ErrorOut},
    summary="RFC 9162 inclusion proof of a leaf in the tree of a given size (e.g. a checkpoint's)",
)
def inclusion(request: HttpRequest, query: Query[InclusionQuery]) -> InclusionProofOut:
    if query.index >= query.size:
        raise ValidationFailed(_("The index must be less than the tree size."), code="index_beyond_size")
    _within_tree(query.size)
    (form,) = selectors.entries(start=query.index, end=query.index + 1)
    return InclusionProofOut(
        index=query.index,
        size=query.size,
        leaf_hash=_b64(tlog.record_hash(form)),
        root_hash=_b64(selectors.root_hash(size=query.size)),
        hashes=[_b64(h) for h in selectors.inclusion_proof(index=query.index, size=query.size)],
    )


@router.get(
    "/open-data/log/proof/consistency",
    url_name="translog_consistency",
    response={200: ConsistencyProofOut, 404: ErrorOut, 422: ErrorOut},
    summary="RFC 9162 consistency proof: the tree of size old is a prefix of the tree of size new",
)
def consistency(request: HttpRequest, query: Query[ConsistencyQuery]) -> ConsistencyProofOut:
    if query.old > query.new:
        raise ValidationFailed(_("The old size must not exceed the new one."), code="sizes_reversed")
    _within_tree(query.new)
    return ConsistencyProofOut(
        old=query.old,
        new=query.new,
        old_root_hash=_b64(selectors.root_hash(size=query.old)),
        new_root_hash=_b64(selectors.root_hash(size=query.new)),
        hashes=[_b64(h) for h in selectors.consistency_proof(old=query.old, new=query.new)],
    )
