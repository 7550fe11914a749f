"""The transparency log over the ledger (issue 17): an RFC 9162 Merkle tree whose leaf i is the public form
of ledger event i + 1, stored as C2SP tlog-tiles, and the signed checkpoints issued over it."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

HASH_SIZE = 32
TILE_WIDTH = 256  # tlog-tiles: height 8


class LogState(models.Model):
    """The single row (id = 1): how many ledger events the tree holds and its root hash at that size.
    The integration and the signing lock it (`locks.log_state_lock`), so they run one at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    size = models.PositiveBigIntegerField(_("tree size"), default=0)
    root_hash = models.BinaryField(_("root hash"), max_length=HASH_SIZE)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)

    class Meta:
        db_table = "translog_state"
        verbose_name = _("transparency log state")
        verbose_name_plural = _("transparency log state")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="translog_state_single_row"),
            models.CheckConstraint(
                condition=Exact(Length("root_hash"), HASH_SIZE), name="translog_state_root_hash_len"
            ),
        ]

    def __str__(self) -> str:
        return f"transparency log of {self.size} entries"


class LogTile(models.Model):
    """A hash tile (tlog-tiles `tile/<level>/<index>`): `width` consecutive hashes of tree level 8 × level.
    A full tile (256) is written once; the rightmost partial tile of a level is replaced as it grows."""

    level = models.PositiveSmallIntegerField(_("level"))
    index = models.PositiveBigIntegerField(_("index"))
    width = models.PositiveSmallIntegerField(_("width"))
    data = models.BinaryField(_("hashes"))

    class Meta:
        db_table = "translog_tile"
        verbose_name = _("log tile")
        verbose_name_plural = _("log tiles")
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="translog_tile_unique"),
            models.CheckConstraint(
                condition=Q(width__gte=1, width__lte=TILE_WIDTH, level__lte=63), name="translog_tile_width"
            ),
            models.CheckConstraint(
                condition=Exact(Length("data"), models.F("width") * HASH_SIZE), name="translog_tile_data_len"
            ),
        ]

    def __str__(self) -> str:
        return f"tile {self.level}/{self.index} ({self.width})"


class Checkpoint(models.Model):
    """A signed checkpoint (C2SP tlog-checkpoint in a signed note), every one ever issued."""

    size = models.PositiveBigIntegerField(_("tree size"))
    root_hash = models.BinaryField(_("root hash"), max_length=HASH_SIZE)
    note = models.TextField(_("signed note"))
    issued_at = models.DateTimeField(_("issued at"))

    class Meta:
        db_table = "translog_checkpoint"
        verbose_name = _("log checkpoint")
        verbose_name_plural = _("log checkpoints")
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["issued_at"], name="translog_checkpoint_issued_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Exact(Length("root_hash"), HASH_SIZE), name="translog_checkpoint_root_hash_len"
            ),
        ]

    def __str__(self) -> str:
        return f"checkpoint {self.size} at {self.issued_at:%Y-%m-%d %H:%M}"
