"""Loading and removing the demo data (the `seed_demo` command is a thin shell around `demo_load`).

"Demo data" is everything `seed_demo` writes: the demo regions (catalogue codes such as `vko`, with their
localities, education departments, organisations, groups and base fees) and the local registry (persons,
kinship links, benefits), which only the demo fills (rule I3).
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError, RestrictedError

from kezek.facilities.models import BaseFee, EducationDepartment, Group, Locality, Organisation, Region
from kezek.registry.models import RegistryBenefit, RegistryKinship, RegistryPerson

from . import catalogue as cat
from .generate import (
    SCALES,
    BinAllocator,
    generate_registry,
    places_of,
    plan_locality,
    plan_region,
)
from .writers import registry_writer

REGISTRY_CHUNK_CHILDREN = 20_000

Progress = Callable[[str], None]


class DemoDataPresent(Exception):
    """Demo data is already loaded (and neither `reset` nor `if_empty` was asked for)."""


class DemoDataInUse(Exception):
    """Demo rows cannot be deleted: other records (applications, …) still point at them."""


@dataclass
class SeedCounts:
    regions: int = 0
    localities: int = 0
    departments: int = 0
    organisations: int = 0
    groups: int = 0
    base_fees: int = 0
    families: int = 0
    children: int = 0
    parents: int = 0
    kinships: int = 0
    benefits: int = 0


@dataclass
class SeedResult:
    scale: str
    seed: int
    counts: SeedCounts = field(default_factory=SeedCounts)
    seconds: float = 0.0

    def summary(self) -> str:
        c = self.counts
        return (
            f"seed_demo scale={self.scale} seed={self.seed}: {c.regions} regions, {c.localities} localities, "
            f"{c.departments} departments, {c.organisations} organisations, {c.groups} groups, "
            f"{c.base_fees} base fees, {c.children} children, {c.parents} parents, "
            f"{c.kinships} kinship links, {c.benefits} benefits in {self.seconds:.1f} s"
        )


def demo_data_present() -> str:
    """What demo data the database holds, in words; "" when there is none."""
    found: list[str] = []
    codes = sorted(Region.objects.filter(code__in=cat.DEMO_REGION_CODES).values_list("code", flat=True))
    if codes:
        shown = ", ".join(codes[:5]) + (", …" if len(codes) > 5 else "")
        found.append(f"{len(codes)} demo region(s) ({shown})")
    if RegistryPerson.objects.exists():
        found.append(f"{RegistryPerson.objects.count()} registry persons")
    return " and ".join(found)


def demo_delete() -> None:
    """Delete the demo regions (with everything in them) and the whole local registry.

    Raises DemoDataInUse when other records still reference demo rows. Call inside a transaction.
    """
    localities = Locality.objects.filter(region__code__in=cat.DEMO_REGION_CODES)
    try:
        with transaction.atomic():
            BaseFee.objects.filter(organisation__locality__in=localities).delete()
            Group.objects.filter(organisation__locality__in=localities).delete()
            Organisation.objects.filter(locality__in=localities).delete()
            EducationDepartment.objects.filter(locality__in=localities).delete()
            localities.delete()
            Region.objects.filter(code__in=cat.DEMO_REGION_CODES).delete()
            _delete_registry()
    except (ProtectedError, RestrictedError, IntegrityError) as exc:
        raise DemoDataInUse(f"demo data is referenced by other records and cannot be reset: {exc}") from exc


def _delete_registry() -> None:
    """Empty the registry tables with plain SQL (the ORM would load millions of rows to cascade)."""
    qn = connection.ops.quote_name
    tables = [qn(model._meta.db_table) for model in (RegistryBenefit, RegistryKinship, RegistryPerson)]
    if connection.vendor == "postgresql":
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {', '.join(tables)}")
            return
        except DatabaseError:
            pass  # another table references the registry: DELETE, which tells whether rows still use it
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # foreign keys are deferred: check them now
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 — table names come from the models
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    if connection.vendor != "postgresql":
        connection.check_constraints()


def demo_load(
    *,
    scale: str,
    seed: int,
    reset: bool = False,
    use_copy: bool | None = None,
    progress: Progress | None = None,
) -> SeedResult:
    """Generate the demo data of `scale` from `seed` and write it in one transaction.

    Refuses (DemoDataPresent) when demo data exists, unless `reset`: then it is deleted first, in the
    same transaction. `use_copy` forces the registry writer (default: COPY on PostgreSQL).
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {sorted(SCALES)}")
    started = time.perf_counter()
    result = SeedResult(scale=scale, seed=seed)
    say = progress or (lambda _message: None)
    with transaction.atomic():
        if reset:
            demo_delete()
        else:
            present = demo_data_present()
            if present:
                raise DemoDataPresent(present)
        _load_facilities(spec_name=scale, seed=seed, counts=result.counts, say=say)
        say(f"facilities written ({time.perf_counter() - started:.1f} s)")
        _load_registry(
            spec_name=scale, seed=seed, counts=result.counts, use_copy=use_copy, say=say, started=started
        )
        say(f"registry written, committing ({time.perf_counter() - started:.1f} s)")
    result.seconds = time.perf_counter() - started
    return result


def _load_facilities(*, spec_name: str, seed: int, counts: SeedCounts, say: Progress) -> None:
    spec = SCALES[spec_name]
    rng = random.Random(f"kezek-demo:{seed}:facilities")
    bins = BinAllocator(rng)
    regions: dict[str, Region] = {}
    for region_spec, place, organisations in places_of(spec):
        region = regions.get(region_spec.code)
        if region is None:
            region = regions[region_spec.code] = plan_region(region_spec)
            region.save()
            counts.regions += 1
        plan = plan_locality(
            rng,
            region_spec=region_spec,
            region=region,
            place=place,
            organisations=organisations,
            bins=bins,
            kazakh_share=spec.kazakh_share,
        )
        plan.locality.save()
        plan.department.save()
        Organisation.objects.bulk_create([org.organisation for org in plan.organisations], batch_size=2_000)
        groups = [group for org in plan.organisations for group in org.groups]
        fees = [fee for org in plan.organisations for fee in org.fees]
        Group.objects.bulk_create(groups, batch_size=5_000)
        BaseFee.objects.bulk_create(fees, batch_size=5_000)
        counts.localities += 1
        counts.departments += 1
        counts.organisations += len(plan.organisations)
        counts.groups += len(groups)
        counts.base_fees += len(fees)
        say(f"{place.code}: {len(plan.organisations)} organisations, {len(groups)} groups")


def _load_registry(
    *, spec_name: str, seed: int, counts: SeedCounts, use_copy: bool | None, say: Progress, started: float
) -> None:
    spec = SCALES[spec_name]
    rng = random.Random(f"kezek-demo:{seed}:registry")
    writer = registry_writer(use_copy=use_copy)
    for chunk in generate_registry(
        rng, children=spec.children, kazakh_share=spec.kazakh_share, chunk_children=REGISTRY_CHUNK_CHILDREN
    ):
        ids = writer.write_persons(chunk.persons)
        writer.write_kinships([(ids[parent], ids[child]) for parent, child in chunk.kinships])
        writer.write_benefits(
            [(ids[row.person], row.category, row.valid_from, row.valid_to) for row in chunk.benefits]
        )
        counts.families += chunk.families
        counts.children += chunk.children
        counts.parents += chunk.parents
        counts.kinships += len(chunk.kinships)
        counts.benefits += len(chunk.benefits)
        say(f"registry: {counts.children} / {spec.children} children ({time.perf_counter() - started:.1f} s)")
