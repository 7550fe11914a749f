"""Loading and removing the demo data (the `seed_demo` command is a thin shell around `demo_load`).

"Demo data" is everything `seed_demo` writes: the demo regions (catalogue codes such as `vko`, with their
localities, education departments, organisations, groups and base fees), the local registry (persons,
kinship links, benefits), which only the demo fills (rule I3), and the queue (applicants, children,
applications, benefit claims, stop-list, cohort counters, Fenwick rank nodes) with its ledger events, and
the publications of the groups' free seats (P1: published by the seat sweep, with their ledger events),
and the demo's history written through the services at past moments (`kezek.demo.history`): directions,
enrolments and the children's files, the voucher district's vouchers, timesheets and statements.

The ledger and resets. Every seeded queue entry has its `application.registered` event (and the events of
its demo history: benefit decision, last yearly confirmation, stop-listing), hash-chained with the same
`event_hash` as `ledger_append` and written in time order, so `manage.py ledger_verify` passes. The events
are bulk-written from the genesis hash, so a load needs an empty ledger: existing ledger events count as
demo data (plain loads refuse, `--if-empty` skips). The ledger is append-only and database triggers
refuse DELETE, so `--reset` empties it as Django's `flush` does — TRUNCATE on PostgreSQL, DELETE within
`ledger_emptying` on SQLite (kezek.ledger.guards) — the whole ledger, since the queue it records is
deleted too — and reports how many events it removed. That is only acceptable for a demo database: with
KEZEK_ENV=production a reset that would empty a non-empty ledger is refused.
"""

import datetime as dt
import random
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ForeignObjectRel, ManyToManyRel, Model, ProtectedError, RestrictedError

from kezek.core import clock
from kezek.core.bulk import TableWriter, table_writer
from kezek.facilities.models import BaseFee, EducationDepartment, Group, Locality, Organisation, Region
from kezek.facilities.services import group_created_payload
from kezek.ledger.guards import ledger_emptying
from kezek.ledger.hashing import GENESIS_HASH, event_hash
from kezek.ledger.models import LedgerEvent, LedgerHead, LedgerVerification
from kezek.placement.models import Place, PriorityHolder, Publication
from kezek.placement.services import unaccounted_seats_publish
from kezek.registry.models import RegistryBenefit, RegistryKinship, RegistryPerson
from kezek.translog.services import log_reset
from kezek.waitlist import ordering, ranks
from kezek.waitlist.models import (
    Applicant,
    Application,
    BenefitCategory,
    BenefitClaim,
    Child,
    CohortCounter,
    QueueSettings,
    RankNode,
    StopListEntry,
)

from . import catalogue as cat
from .attendance import demo_attendance_delete, demo_attendance_load
from .confirmation import demo_confirmation_delete, demo_confirmation_load
from .exchange import demo_exchange_delete, demo_exchange_load
from .funding import demo_funding_delete, demo_funding_load
from .generate import (
    ACADEMIC_YEAR,
    SCALES,
    BinAllocator,
    generate_registry,
    places_of,
    plan_locality,
    plan_region,
)
from .infection import demo_infection_delete, demo_infection_load
from .monitoring import demo_monitoring_delete, demo_monitoring_load
from .queue import (
    DOCUMENT_NAME,
    EVENT_KINDS,
    EXTRAORDINARY_WEIGHTS,
    CandidateCollector,
    QueuePlan,
    TooManyApplications,
    demo_salt,
    event_moment,
    event_payload,
    plan_queue,
)
from .records import demo_records_delete, demo_records_load
from .schooltransfer import demo_schooltransfer_delete, demo_schooltransfer_load
from .staff import DEMO_PASSWORD, demo_staff_delete, demo_staff_load
from .vouchers import demo_vouchers_delete
from .writers import registry_writer

REGISTRY_CHUNK_CHILDREN = 20_000
LEDGER_COLUMNS = [
    "seq", "kind", "occurred_at", "subject_type", "subject_id", "locality_code", "payload", "prev_hash",
    "hash",
]  # fmt: skip
# The publications of free seats, children before parents (they reference the groups and applications).
PUBLICATION_MODELS: tuple[type[Model], ...] = (PriorityHolder, Place, Publication)
# Queue tables, children before parents (the order of DELETE when TRUNCATE is not possible).
QUEUE_MODELS: tuple[type[Model], ...] = (
    StopListEntry,
    BenefitClaim,
    Application,
    RankNode,
    CohortCounter,
    Child,
    Applicant,
)

Progress = Callable[[str], None]


class DemoDataPresent(Exception):
    """Demo data is already loaded (and neither `reset` nor `if_empty` was asked for)."""


class DemoDataInUse(Exception):
    """Demo rows cannot be deleted: other records (directions, …) still point at them."""


__all__ = ["DemoDataInUse", "DemoDataPresent", "TooManyApplications", "demo_data_present", "demo_load"]


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
    applicants: int = 0
    applications: int = 0
    first_priority: int = 0
    extraordinary: int = 0
    stop_listed: int = 0
    rank_nodes: int = 0
    ledger_events: int = 0
    published_places: int = 0


@dataclass
class SeedResult:
    scale: str
    seed: int
    counts: SeedCounts = field(default_factory=SeedCounts)
    seconds: float = 0.0
    ledger_emptied: int = 0  # events a --reset removed (TRUNCATE)
    staff_accounts: list[tuple[str, str]] = field(default_factory=list)  # (username, role)
    confirmation_answers: int = 0  # answers to the demo's running yearly confirmation
    attendance: dict[str, int] = field(default_factory=dict)  # the demo's timesheets (kezek.demo.attendance)
    funding: tuple[int, int] = (0, 0)  # per-capita rates written, statements frozen (kezek.demo.funding)
    enrolled: int = 0  # children enrolled through the queue's directions (kezek.demo.records)
    vouchers: dict[str, int] = field(default_factory=dict)  # the voucher locality's, by state

    def summary(self) -> str:
        c = self.counts
        return (
            f"seed_demo scale={self.scale} seed={self.seed}: {c.regions} regions, {c.localities} localities, "
            f"{c.departments} departments, {c.organisations} organisations, {c.groups} groups, "
            f"{c.base_fees} base fees, {c.children} children, {c.parents} parents, "
            f"{c.kinships} kinship links, {c.benefits} benefits, {c.applications} applications "
            f"({c.first_priority} first-priority, {c.extraordinary} extraordinary, {c.stop_listed} "
            f"stop-listed) of {c.applicants} applicants, {c.ledger_events} ledger events, "
            f"{c.published_places} free places published in {self.seconds:.1f} s"
            + (
                f"; a yearly confirmation runs in the first locality ({self.confirmation_answers} answers)"
                if self.confirmation_answers
                else ""
            )
            + (
                f"; back-office accounts (password {DEMO_PASSWORD!r}, authenticator enrolled at the first "
                f"sign-in on /staff/): " + ", ".join(f"{name} ({role})" for name, role in self.staff_accounts)
                if self.staff_accounts
                else ""
            )
            + (
                f"; {self.enrolled} children enrolled from the queue through directions, with their files"
                if self.enrolled
                else ""
            )
            + (
                "; vouchers: " + ", ".join(f"{n} {state}" for state, n in sorted(self.vouchers.items()))
                if self.vouchers
                else ""
            )
            + (
                f"; timesheets: {self.attendance.get('marks', 0)} marks of "
                f"{self.attendance.get('enrolled', 0)} children in {self.attendance.get('groups', 0)} "
                "groups, teachers demo-teacher and demo-teacher-2"
                if self.attendance.get("marks")
                else ""
            )
            + (f"; {self.funding[1]} statements frozen" if self.funding[1] else "")
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
    if Application.objects.exists():
        found.append(f"{Application.objects.count()} applications")
    if LedgerEvent.objects.exists() or LedgerHead.objects.exists():
        found.append(f"{LedgerEvent.objects.count()} ledger events")
    return ", ".join(found[:-1]) + " and " + found[-1] if len(found) > 1 else "".join(found)


def demo_delete() -> int:
    """Delete the demo regions (with everything in them), the whole queue, the ledger and the registry.

    Returns the number of ledger events removed (see the module's docstring). Raises DemoDataInUse when
    other records still reference demo rows, or when it would empty the ledger of a production database.
    Call inside a transaction.
    """
    localities = Locality.objects.filter(region__code__in=cat.DEMO_REGION_CODES)
    _refuse_in_production()  # before anything is touched
    try:
        with transaction.atomic():
            demo_infection_delete()  # cases hold enrolments and staff (E59)
            demo_funding_delete()
            demo_monitoring_delete()
            demo_attendance_delete()
            demo_exchange_delete()  # offers and exchanges name enrolments
            demo_schooltransfer_delete()
            demo_vouchers_delete()  # they hold directions and applications
            demo_records_delete()  # files, enrolments, directions: they hold places, staff, applications
            demo_confirmation_delete()
            demo_staff_delete()
            _truncate_or_delete(PUBLICATION_MODELS)  # refused while directions use the places
            _delete_queue()
            QueueSettings.objects.filter(locality__in=localities).delete()
            BenefitCategory.objects.filter(locality__in=localities).delete()
            emptied = _empty_ledger()
            BaseFee.objects.filter(organisation__locality__in=localities).delete()
            Group.objects.filter(organisation__locality__in=localities).delete()
            Organisation.objects.filter(locality__in=localities).delete()
            EducationDepartment.objects.filter(locality__in=localities).delete()
            localities.delete()
            Region.objects.filter(code__in=cat.DEMO_REGION_CODES).delete()
            _delete_registry()
    except (ProtectedError, RestrictedError, IntegrityError) as exc:
        raise DemoDataInUse(f"demo data is referenced by other records and cannot be reset: {exc}") from exc
    return emptied


def _referencing(models: tuple[type[Model], ...]) -> list[type[Model]]:
    """Every other model whose table references these tables, directly or through another one."""
    found: dict[type[Model], None] = {}
    pending = list(models)
    while pending:
        model = pending.pop()
        for rel in model._meta.get_fields(include_hidden=True):  # hidden: related_name="+" too
            if not isinstance(rel, ForeignObjectRel):
                continue
            other = rel.through if isinstance(rel, ManyToManyRel) else rel.related_model
            if isinstance(other, type) and other not in models and other not in found:
                found[other] = None
                pending.append(other)
    return list(found)


def _truncate_or_delete(models: tuple[type[Model], ...]) -> None:
    """Empty the tables (children first). PostgreSQL: TRUNCATE, together with the tables that reference
    them when those are empty (directions, … of a demo nobody used); else DELETE, which tells whether rows of
    other tables still use them (IntegrityError)."""
    qn = connection.ops.quote_name
    tables = [qn(model._meta.db_table) for model in models]
    if connection.vendor == "postgresql":
        empty = [model for model in _referencing(models) if not model._base_manager.exists()]
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"TRUNCATE {', '.join(tables + [qn(m._meta.db_table) for m in empty])}")
            return
        except DatabaseError:
            pass  # another table references them and holds rows: DELETE, which tells whether they use them
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # foreign keys are deferred: check them now
        for table in tables:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 — table names come from the models
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    if connection.vendor != "postgresql":
        connection.check_constraints()


def _delete_queue() -> None:
    """Empty the queue tables (every application, applicant and child: the queue is demo data)."""
    _truncate_or_delete(QUEUE_MODELS)


def _refuse_in_production() -> None:
    """A reset empties the ledger: never that of a production database (KEZEK_ENV=production)."""
    events = LedgerEvent.objects.count()
    if events and getattr(settings, "IS_PRODUCTION", False):
        raise DemoDataInUse(
            f"refusing to empty the ledger ({events} events) of a production database (KEZEK_ENV=production)"
        )


def _empty_ledger() -> int:
    """Empty the ledger (TRUNCATE on PostgreSQL, DELETE within `ledger_emptying` on SQLite: their triggers
    refuse any other DELETE); return the events removed."""
    events = LedgerEvent.objects.count()
    if not events and not LedgerHead.objects.exists():
        return 0
    _refuse_in_production()
    qn = connection.ops.quote_name
    tables = [qn(model._meta.db_table) for model in (LedgerEvent, LedgerHead)]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
        else:
            with ledger_emptying():
                for table in tables:
                    cursor.execute(f"DELETE FROM {table}")  # noqa: S608 — table names come from the models
    LedgerVerification.objects.all().delete()  # their results were about the chain just removed
    log_reset()  # the transparency log was built from the chain just removed
    return events


def _delete_registry() -> None:
    """Empty the registry tables with plain SQL (the ORM would load millions of rows to cascade)."""
    _truncate_or_delete((RegistryBenefit, RegistryKinship, RegistryPerson))


def demo_load(
    *,
    scale: str,
    seed: int,
    reset: bool = False,
    use_copy: bool | None = None,
    applications: int | None = None,
    progress: Progress | None = None,
) -> SeedResult:
    """Generate the demo data of `scale` from `seed` and write it in one transaction.

    Refuses (DemoDataPresent) when demo data exists, unless `reset`: then it is deleted first, in the
    same transaction. `use_copy` forces the writer (default: COPY on PostgreSQL). `applications`: how many
    queue applications to load (default: the scale's; TooManyApplications beyond the children under 7).
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; choose one of {sorted(SCALES)}")
    if applications is not None and applications < 0:
        raise ValueError("applications must not be negative")
    started = time.perf_counter()
    result = SeedResult(scale=scale, seed=seed)
    say = progress or (lambda _message: None)
    with transaction.atomic():
        if reset:
            result.ledger_emptied = demo_delete()
        else:
            present = demo_data_present()
            if present:
                raise DemoDataPresent(present)
        _load_facilities(spec_name=scale, seed=seed, counts=result.counts, say=say)
        say(f"facilities written ({time.perf_counter() - started:.1f} s)")
        collector = CandidateCollector()
        _load_registry(
            spec_name=scale,
            seed=seed,
            counts=result.counts,
            use_copy=use_copy,
            say=say,
            started=started,
            collector=collector,
        )
        say(f"registry written ({time.perf_counter() - started:.1f} s)")
        count = SCALES[scale].applications if applications is None else applications
        if count != 0:
            _load_queue(
                spec_name=scale,
                seed=seed,
                collector=collector,
                count=count,
                counts=result.counts,
                writer=table_writer(use_copy=use_copy),
                say=lambda message: say(f"{message} ({time.perf_counter() - started:.1f} s)"),
            )
        result.staff_accounts = demo_staff_load()
        say(f"staff accounts ({time.perf_counter() - started:.1f} s)")
        # The history before today (kezek.demo.history): seats published, directions, enrolments, vouchers.
        result.enrolled, result.vouchers = demo_records_load(seed=seed, small=scale == "small")
        say(f"{result.enrolled} children enrolled, with their files ({time.perf_counter() - started:.1f} s)")
        result.confirmation_answers = demo_confirmation_load(seed=seed)
        result.attendance = demo_attendance_load(seed=seed)
        say(f"timesheets ({time.perf_counter() - started:.1f} s)")
        demo_monitoring_load(seed=seed)  # part of the demo teachers' children's cards at the start point
        result.funding = demo_funding_load()  # after the attendance demo: statements of its locked months
        say(f"rates and statements ({time.perf_counter() - started:.1f} s)")
        demo_infection_load()  # E59: one past quarantine, from the attendance demo's marks
        _publish_free_seats()  # what the history left unaccounted for (all of it without enrolments)
        result.counts.published_places = Place.objects.filter(status=Place.Status.OPEN).count()
        say(f"free places published ({time.perf_counter() - started:.1f} s)")
        say(f"{demo_exchange_load()} place exchange offers, one exchange proposed")  # kezek.demo.exchange
        demo_schooltransfer_load()  # one consent, one issued school package (E69)
        _analyze()
        say(f"committing ({time.perf_counter() - started:.1f} s)")
    result.seconds = time.perf_counter() - started
    return result


def _publish_free_seats() -> int:
    """P1: the demo's groups are loaded in bulk, so nothing published their seats; the seat sweep publishes
    them (`unaccounted_seats_publish`: a publication and its ledger event per group), as free since the
    academic year began — their priority windows are over, they are in general access (P2). Returns the
    open places."""
    began = dt.datetime(ACADEMIC_YEAR, 9, 1, tzinfo=clock.local_tz())
    unaccounted_seats_publish(freed_at=began)
    return Place.objects.filter(status=Place.Status.OPEN).count()


def _analyze() -> None:
    """PostgreSQL: fresh planner statistics of the bulk-loaded tables, so the first queries after a load
    (the API's lookups, a benchmark) get index plans instead of guesses made for empty tables."""
    if connection.vendor != "postgresql":
        return
    models: tuple[type[Model], ...] = (
        RegistryPerson, RegistryKinship, RegistryBenefit, *QUEUE_MODELS, BenefitClaim, LedgerEvent,
        *PUBLICATION_MODELS,
    )  # fmt: skip
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(dict.fromkeys(qn(m._meta.db_table) for m in models))}")


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
    *,
    spec_name: str,
    seed: int,
    counts: SeedCounts,
    use_copy: bool | None,
    say: Progress,
    started: float,
    collector: CandidateCollector,
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
        collector.add_chunk(chunk)
        say(f"registry: {counts.children} / {spec.children} children ({time.perf_counter() - started:.1f} s)")


# -------------------------------------------------------------------------------------------- queue


def _load_queue(
    *,
    spec_name: str,
    seed: int,
    collector: CandidateCollector,
    count: int | None,
    counts: SeedCounts,
    writer: TableWriter,
    say: Progress,
) -> None:
    """Plan the queue from the registry's children and write it with its counters, rank nodes and ledger."""
    if LedgerEvent.objects.exists() or LedgerHead.objects.exists():
        raise DemoDataPresent(f"{LedgerEvent.objects.count()} ledger events")  # the chain starts at genesis
    spec = SCALES[spec_name]
    categories = list(BenefitCategory.objects.filter(locality__isnull=True, is_active=True))
    category_ids = {category.code: category.pk for category in categories}
    first_priority = {
        c.registry_code: c.code for c in categories if c.tier == ordering.FIRST_PRIORITY and c.registry_code
    }
    extraordinary_codes = {c.code for c in categories if c.tier == ordering.EXTRAORDINARY}
    plan = plan_queue(
        random.Random(f"kezek-demo:{seed}:queue"),
        collector.candidates,
        places=[(place, organisations) for _region, place, organisations in places_of(spec)],
        count=count,
        first_priority=first_priority,
        extraordinary=[(w, code) for w, code in EXTRAORDINARY_WEIGHTS if code in extraordinary_codes],
        tz=clock.local_tz(),
    )
    collector.candidates.clear()
    for index, application in enumerate(plan.applications):
        application.salt = demo_salt(seed, index)
    say(f"queue planned: {len(plan.applications)} applications of {plan.eligible} children under 7")
    locality_ids = dict(
        Locality.objects.filter(region__code__in=cat.DEMO_REGION_CODES).values_list("code", "pk")
    )
    numbers, applicant_ids = _write_queue_rows(
        plan, writer=writer, locality_ids=locality_ids, category_ids=category_ids
    )
    say("applications written")
    counts.applicants += len(plan.applicants)
    counts.applications += len(plan.applications)
    for application in plan.applications:
        counts.first_priority += application.tier == ordering.FIRST_PRIORITY
        counts.extraordinary += application.tier == ordering.EXTRAORDINARY
        counts.stop_listed += application.status == Application.Status.STOP_LISTED
    counts.rank_nodes += _write_counters(plan, writer=writer, locality_ids=locality_ids)
    say("cohort counters and rank nodes written")
    groups = Group.objects.filter(organisation__locality__in=locality_ids.values()).select_related(
        "organisation__locality"
    )
    chain = _LedgerChain(plan, numbers, applicant_ids, list(groups.order_by("pk")))  # read before the COPY
    counts.ledger_events += writer.insert(
        LedgerEvent,
        LEDGER_COLUMNS,
        chain.rows(),
    )
    if chain.seq:
        # A fresh head (INSERT): its trigger guards UPDATEs, which advance one event at a time.
        LedgerHead.objects.create(id=1, last_seq=chain.seq, last_hash=chain.last_hash)
    say(f"ledger written: {counts.ledger_events} events")


def _write_queue_rows(
    plan: QueuePlan, *, writer: TableWriter, locality_ids: dict[str, int], category_ids: dict[str, int]
) -> tuple[list[int], dict[str, int]]:
    """Applicants, children, applications (numbers in registration order), claims, stop-list entries.

    Returns the applications' numbers, by the plan's order, and the applicants' ids by IIN."""
    applicant_ids = dict(
        zip(
            (a.person.iin for a in plan.applicants),
            writer.allocate_ids(Applicant, len(plan.applicants)),
            strict=True,
        )
    )
    writer.insert(
        Applicant,
        ["id", "iin", "last_name", "first_name", "middle_name", "phone", "phone_alt", "email",
         "notify_channel", "notify_language", "password", "created_at"],
        (
            (applicant_ids[a.person.iin], a.person.iin, a.person.last_name, a.person.first_name,
             a.person.middle_name, a.phone, a.phone_alt, "", "sms", a.notify_language, "", a.created_at)
            for a in plan.applicants
        ),
    )  # fmt: skip
    applications = plan.applications
    child_ids = writer.allocate_ids(Child, len(applications))
    writer.insert(
        Child,
        ["id", "iin", "last_name", "first_name", "middle_name", "birth_date", "sex"],
        (
            (child_id, a.child.iin, a.child.last_name, a.child.first_name, a.child.middle_name,
             a.child.birth_date, a.child.sex)
            for child_id, a in zip(child_ids, applications, strict=True)
        ),
    )  # fmt: skip
    numbers = writer.allocate_ids(Application, len(applications))
    cleanup = StopListEntry.Reason.CLEANUP.value  # the code, as `_set_status` writes it (S2)
    writer.insert(
        Application,
        ["id", "locality_id", "child_id", "applicant_id", "cohort", "ordinal", "tier", "status",
         "status_reason", "status_changed_at", "registered_at", "valid_until", "language", "address",
         "commitment_salt"],
        (
            (number, locality_ids[a.locality], child_id, applicant_ids[a.applicant.person.iin], a.cohort,
             a.ordinal, a.tier, a.status, cleanup if a.stop_listed_at else "", a.status_changed_at,
             a.registered_at, a.valid_until, a.language, a.address, a.salt)
            for number, child_id, a in zip(numbers, child_ids, applications, strict=True)
        ),
    )  # fmt: skip
    writer.insert(
        BenefitClaim,
        ["application_id", "category_id", "source", "status", "document", "document_issued_on",
         "created_at", "decided_at", "decided_by_id", "reason"],
        _claim_rows(plan, numbers, category_ids),
    )  # fmt: skip
    writer.insert(
        StopListEntry,
        ["application_id", "locality_id", "cohort", "reason", "note", "since", "restore_on", "restored_at",
         "created_by_id"],
        (
            (number, locality_ids[a.locality], a.cohort, StopListEntry.Reason.CLEANUP.value, "",
             a.stop_listed_at, None, None, None)
            for number, a in zip(numbers, applications, strict=True)
            if a.stop_listed_at is not None
        ),
    )  # fmt: skip
    return numbers, applicant_ids


def _claim_rows(
    plan: QueuePlan, numbers: list[int], category_ids: dict[str, int]
) -> Iterator[tuple[object, ...]]:
    """Q5: registry benefits confirmed at registration; extraordinary certificates confirmed by staff."""
    registry, document = BenefitClaim.Source.REGISTRY.value, BenefitClaim.Source.DOCUMENT.value
    confirmed = BenefitClaim.Status.CONFIRMED.value
    for number, a in zip(numbers, plan.applications, strict=True):
        for code in a.first_priority:
            moment = a.registered_at
            yield (number, category_ids[code], registry, confirmed, "", None, moment, moment, None, "")
        if a.extraordinary:
            yield (number, category_ids[a.extraordinary], document, confirmed, DOCUMENT_NAME,
                   a.document_issued_on, a.registered_at, a.decided_at, None, "")  # fmt: skip


def _write_counters(plan: QueuePlan, *, writer: TableWriter, locality_ids: dict[str, int]) -> int:
    """CohortCounter rows (last ordinal and its registered_at) and the Fenwick nodes of queued applications
    (`ranks.rebuild_rows`). Returns the number of rank nodes."""
    counters: list[tuple[object, ...]] = []
    nodes: list[tuple[object, ...]] = []
    for (code, cohort), rows in sorted(plan.cohorts().items()):
        locality_id = locality_ids[code]
        last = rows[-1]
        counters.append((locality_id, cohort, last.ordinal, last.registered_at))
        ordinals: dict[str, list[int]] = {}
        for a in rows:
            if a.status == Application.Status.QUEUED:
                ordinals.setdefault(a.tier, []).append(a.ordinal)
        for (tier, node), count in sorted(ranks.rebuild_rows(ordinals).items()):
            nodes.append((locality_id, cohort, tier, node, count))
    writer.insert(CohortCounter, ["locality_id", "cohort", "last_ordinal", "last_registered_at"], counters)
    return writer.insert(RankNode, ["locality_id", "cohort", "tier", "node", "count"], nodes)


class _LedgerChain:
    """The demo's events as ledger rows, hash-chained from the genesis hash (as `ledger_append` would):
    first a `group.created` for every group (bulk-loaded, so the audit replays their capacity: P1),
    then the plan's application events."""

    def __init__(
        self, plan: QueuePlan, numbers: list[int], applicant_ids: dict[str, int], groups: Iterable[Group]
    ) -> None:
        self._plan = plan
        self._numbers = numbers
        self._applicant_ids = applicant_ids
        self._groups = groups
        self.seq = 0
        self.last_hash = GENESIS_HASH

    def _row(
        self, kind: str, occurred_at: dt.datetime, subject: tuple[str, str], locality: str, payload: dict
    ) -> tuple[object, ...]:
        seq, prev_hash = self.seq + 1, self.last_hash
        subject_type, subject_id = subject
        digest = event_hash(
            prev_hash=prev_hash,
            seq=seq,
            kind=kind,
            occurred_at=occurred_at,
            subject_type=subject_type,
            subject_id=subject_id,
            locality_code=locality,
            payload=payload,
        )
        self.seq, self.last_hash = seq, digest
        return (seq, kind, occurred_at, subject_type, subject_id, locality, payload, prev_hash, digest)

    def rows(self) -> Iterator[tuple[object, ...]]:
        applications = self._plan.applications
        opened = (
            event_moment(applications[self._plan.events[0][1]], self._plan.events[0][2])
            if self._plan.events
            else clock.now()
        )
        for group in self._groups:
            payload = group_created_payload(group, by=None)
            locality = group.organisation.locality.code
            yield self._row("group.created", opened, ("group", str(group.pk)), locality, payload)
        for _moment, index, kind in self._plan.events:
            application, number = applications[index], self._numbers[index]
            payload = event_payload(
                application,
                kind,
                number=number,
                applicant=self._applicant_ids[application.applicant.person.iin],
            )
            yield self._row(
                EVENT_KINDS[kind],
                event_moment(application, kind),
                ("application", str(number)),
                application.locality,
                payload,
            )
