"""Integrating the ledger into the Merkle log (issue 17, item 2): the roots are RFC 9162's, batches change
nothing, runs are idempotent, and the tick sweep does it."""

import datetime as dt
from typing import Any

import pytest
import time_machine

from kezek.core.errors import Conflict
from kezek.core.tick import registered_sweeps, tick_run
from kezek.ledger.models import LedgerEvent
from kezek.translog.models import Checkpoint, LogState, LogTile
from kezek.translog.services import checkpoint_sign_due, log_integrate, log_reset
from kezek.translog.tiles import StoredHashes
from kezek_verify import tlog
from tests.integrity.conftest import MONDAY
from tests.ledger.conftest import tamper, tampering

from .conftest import World
from .helpers import append, leaves, mth

pytestmark = pytest.mark.django_db


LATER = MONDAY + dt.timedelta(days=60)  # after every event of the world


def state() -> LogState:
    return LogState.objects.get()


def tiles() -> dict[tuple[int, int], tuple[int, bytes]]:
    return {(t.level, t.index): (t.width, bytes(t.data)) for t in LogTile.objects.all()}


def test_the_root_is_the_rfc_9162_hash_of_the_public_forms(world: World) -> None:
    log_integrate()  # the world's tick integrated most of it already
    assert state().size == LedgerEvent.objects.count()
    assert bytes(state().root_hash) == mth(leaves())
    append(600)
    assert log_integrate() == 600
    assert state().size == len(leaves())
    assert bytes(state().root_hash) == mth(leaves())
    assert tlog.tree_hash(state().size, StoredHashes()) == mth(leaves())


def test_every_prefix_root_is_recomputed_from_the_tiles(world: World) -> None:
    append(300)
    log_integrate()
    forms = leaves()
    for size in (1, 2, 3, 255, 256, 257, 300, len(forms) - 1, len(forms)):
        assert tlog.tree_hash(size, StoredHashes()) == mth(forms[:size]), size


def test_several_batches_equal_one_run(world: World) -> None:
    append(520)
    LogTile.objects.all().delete()
    LogState.objects.all().delete()
    assert log_integrate(batch=37) == LedgerEvent.objects.count()
    in_batches = (state().size, bytes(state().root_hash), tiles())
    LogTile.objects.all().delete()
    LogState.objects.all().delete()
    log_integrate()
    assert (state().size, bytes(state().root_hash), tiles()) == in_batches
    assert [w for (level, _), (w, _) in sorted(tiles().items()) if level == 0][:2] == [256, 256]


def test_idempotent_and_incremental(world: World) -> None:
    log_integrate()
    before = (state().size, bytes(state().root_hash), tiles())
    assert log_integrate() == 0
    assert (state().size, bytes(state().root_hash), tiles()) == before
    for count in (1, 254, 1, 1, 300):
        append(count)
        log_integrate(batch=100)
        assert bytes(state().root_hash) == mth(leaves())


def test_partial_tiles_are_replaced_full_tiles_kept(world: World) -> None:
    log_integrate()
    append(256 - LedgerEvent.objects.count() % 256 - 1)  # one short of a full tile
    log_integrate()
    partial = max(index for level, index in tiles() if level == 0)
    assert tiles()[(0, partial)][0] == 255
    append(10)
    log_integrate()
    assert tiles()[(0, partial)][0] == 256
    assert tiles()[(0, partial + 1)][0] == 9


def test_the_tick_sweep_integrates(world: World) -> None:
    assert "translog.integrate" in registered_sweeps()
    names = list(registered_sweeps())
    assert names.index("translog.integrate") < names.index("translog.sign")  # the tree grows, then is signed
    tick_run()
    assert state().size == LedgerEvent.objects.count()


@pytest.mark.database_owner  # the demo's reset empties the ledger: only the owner may
def test_the_demos_reset_starts_the_log_again(world: World) -> None:
    """The demo's reset empties the ledger (development only) and resets the log explicitly with it."""
    from kezek.demo.services import _empty_ledger

    log_integrate()
    with time_machine.travel(LATER, tick=False):
        assert checkpoint_sign_due() == 1
    _empty_ledger()
    assert (state().size, Checkpoint.objects.count(), LogTile.objects.count()) == (0, 0, 0)
    append(3)
    log_integrate()
    assert state().size == 3
    assert bytes(state().root_hash) == mth(leaves())


@pytest.mark.database_owner
def test_a_ledger_that_no_longer_matches_stops_the_log(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    """Leaf n-1 is not the public form of event n any more: the log neither grows nor restarts by itself."""
    log_integrate()
    size = state().size
    last = LedgerEvent.objects.get(seq=size)
    with tampering():
        tamper(last.seq, occurred_at=last.occurred_at - dt.timedelta(seconds=1))
    append(2)
    assert log_integrate() == 0
    assert state().size == size
    assert "no longer matches the ledger" in caplog.text


def test_the_log_is_never_reset_in_production(world: World, settings: Any) -> None:
    log_integrate()
    settings.IS_PRODUCTION = True
    with pytest.raises(Conflict):
        log_reset()
    assert state().size == LedgerEvent.objects.count()
