"""Reads for the portal's information pages: the distribution rules in force for a locality, read from the
same settings, categories and constants the queue and the placement services use (nothing restated here);
the transparency log's latest checkpoint, key and the latest integrity check (issue 17, item 7)."""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q

from kezek.facilities.models import EducationDepartment, Language, Locality, Organisation
from kezek.integrity.models import IntegrityRun
from kezek.integrity.selectors import integrity_run_latest
from kezek.placement import selectors as placement
from kezek.placement.models import AgeReference, Policy
from kezek.translog import selectors as log
from kezek.translog.keys import log_signer, log_vkey
from kezek.translog.models import Checkpoint
from kezek.waitlist import selectors as waitlist
from kezek.waitlist import services as waitlist_services
from kezek.waitlist.models import BenefitCategory, QueueSettings, Tier
from kezek_verify import tlog

PATTERN_BLOCKS = 2  # how many P, G×ratio blocks the example order shows


@dataclass(frozen=True)
class BenefitRow:
    code: str
    name: str
    confirmed_by_registry: bool  # Q5: found in a social registry → confirmed automatically


@dataclass(frozen=True)
class RulesInForce:
    """Everything the "how places are distributed" page states about one locality, as values."""

    locality: Locality
    department: EducationDepartment | None
    # Q4
    priority_ratio: int
    ratio_is_default: bool
    example_order: list[str]  # "P", "G", … for PATTERN_BLOCKS blocks
    extraordinary: list[BenefitRow]
    first_priority: list[BenefitRow]
    certificate_valid_days: int
    # Q2, Q7
    max_child_age: int
    # P2–P6
    policy: str
    policy_label: str
    is_window_policy: bool
    priority_days: int
    priority_hour: int
    age_reference: str
    age_reference_label: str
    counts_age_on_september_1: bool
    direction_working_days: int
    direction_max_days: int
    placement_is_default: bool
    sibling_birth_days: int
    # S2
    stop_list_working_days: int
    # Every change of these settings, newest first (from the ledger; dates and new values, never who).
    changes: tuple[placement.SettingsChange, ...] = ()


def benefit_categories(*, locality: Locality) -> list[BenefitCategory]:
    """The benefit categories in force for the locality (Q4): its own active ones and the active ones of
    every locality, its own winning when both have a code (as the queue picks a category)."""
    rows = BenefitCategory.objects.filter(is_active=True).filter(
        Q(locality=locality) | Q(locality__isnull=True)
    )
    chosen: dict[str, BenefitCategory] = {}
    for category in rows.order_by("locality_id"):  # global ones (null) first, the locality's own win
        if category.code not in chosen or category.locality_id is not None:
            chosen[category.code] = category
    return sorted(chosen.values(), key=lambda c: (c.tier, c.name))


def example_order(*, ratio: int, blocks: int = PATTERN_BLOCKS) -> list[str]:
    """The Q4 pattern written out: P, then `ratio` G's, `blocks` times."""
    return (["P"] + ["G"] * ratio) * blocks


def rules_in_force(*, locality: Locality) -> RulesInForce:
    """The rules of the queue and of distribution that apply in `locality` now (settings or defaults)."""
    ratio = waitlist.priority_ratio(locality_id=locality.pk)
    settings = placement.placement_settings(locality=locality)
    categories = benefit_categories(locality=locality)

    def rows(tier: str) -> list[BenefitRow]:
        return [
            BenefitRow(code=c.code, name=c.name, confirmed_by_registry=bool(c.registry_code))
            for c in categories
            if c.tier == tier
        ]

    return RulesInForce(
        locality=locality,
        department=EducationDepartment.objects.filter(locality=locality).first(),
        priority_ratio=ratio,
        ratio_is_default=not QueueSettings.objects.filter(locality=locality).exists(),
        example_order=example_order(ratio=ratio),
        extraordinary=rows(Tier.EXTRAORDINARY),
        first_priority=rows(Tier.FIRST_PRIORITY),
        certificate_valid_days=waitlist_services.DOCUMENT_VALID_DAYS,
        max_child_age=waitlist_services.MAX_CHILD_AGE,
        policy=settings.distribution_policy,
        policy_label=str(Policy(settings.distribution_policy).label),
        is_window_policy=settings.distribution_policy == Policy.WINDOW,
        priority_days=settings.priority_days,
        priority_hour=settings.priority_hour,
        age_reference=settings.age_reference,
        age_reference_label=str(AgeReference(settings.age_reference).label),
        counts_age_on_september_1=settings.age_reference == AgeReference.SEPTEMBER_1,
        direction_working_days=settings.direction_working_days,
        direction_max_days=settings.direction_max_days,
        placement_is_default=settings.pk is None,
        sibling_birth_days=placement.SIBLING_BIRTH_DAYS,
        stop_list_working_days=waitlist_services.STOP_LIST_WORKING_DAYS,
        changes=tuple(placement.settings_history(locality=locality)),
    )


@dataclass(frozen=True)
class AgeRangePlaces:
    """The passport's free places and queue size of one age range (seed: "free places and queue size")."""

    age_from: int
    age_to: int
    general: int
    languages: list[tuple[str, int]]  # (language name, free places in general access)
    priority: int
    queued: int


def passport_places(*, organisation: Organisation) -> list[AgeRangePlaces]:
    """Per age range of the organisation's active groups: free places in general access (by language) and
    in priority access, and how many children of that age wait in the locality's queue."""
    ranges = sorted({(group.age_from, group.age_to) for group in organisation.active_groups})  # type: ignore[attr-defined]
    free = {(row.age_from, row.age_to): row for row in placement.free_places(organisation_id=organisation.pk)}
    queued = waitlist.queue_size_by_age(locality_id=organisation.locality_id, ranges=ranges)
    rows = []
    for age_range in ranges:
        row = free.get(age_range)
        by_language = sorted(row.general_by_language.items()) if row else []
        rows.append(
            AgeRangePlaces(
                *age_range,
                general=row.general if row else 0,
                languages=[(str(Language(code).label), count) for code, count in by_language],
                priority=row.priority if row else 0,
                queued=queued[age_range],
            )
        )
    return rows


@dataclass(frozen=True)
class Transparency:
    """What the Transparency page shows: the log's key, its latest signed checkpoint and the latest
    integrity check's verdict."""

    origin: str
    key_name: str
    key_id: str
    vkey: str
    checkpoint: Checkpoint | None
    root_hash: str  # base64, of the checkpoint ("" without one)
    integrity: IntegrityRun | None


def transparency() -> Transparency:
    signer = log_signer()
    checkpoint = log.checkpoint_latest()
    return Transparency(
        origin=settings.TRANSPARENCY_LOG_ORIGIN,
        key_name=signer.name,
        key_id=f"{signer.key_hash:08x}",
        vkey=log_vkey(),
        checkpoint=checkpoint,
        root_hash=tlog.format_hash(bytes(checkpoint.root_hash)) if checkpoint else "",
        integrity=integrity_run_latest(),
    )
