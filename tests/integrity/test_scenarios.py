"""The 25 corruption scenarios of the outside review (issue 16, item 6), and a few more.

Each scenario is played twice on the `world` (a locality lived through the services):
- as the application (`APP`): through the services, or a plain statement on the application role's
  connection (the suite runs as that role in CI) — it must be *refused* (a domain error or the database
  refuses it) or, when the role may write it, *reported* by `integrity_check`;
- as an administrator (`ADMIN`): as the database owner with the tables' triggers disabled — it must be
  reported (or refused by a constraint that even the owner cannot switch off).
A consistent rewrite of the whole chain is caught by the log's signed checkpoint (A4), and by the
witnesses' kept checkpoints where the key itself is not to be trusted (`kezek-verify`, tests/translog).
"""

import datetime as dt
import json
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.db.models import Max, Model

from kezek.cabinet.services import access_request_decide
from kezek.core.errors import DomainError
from kezek.discretion.models import DiscretionBasis
from kezek.facilities.models import Group
from kezek.facilities.services import group_update
from kezek.ledger.hashing import event_hash
from kezek.ledger.models import LedgerEvent, LedgerHead
from kezek.ledger.selectors import ledger_verify
from kezek.ledger.services import ledger_append
from kezek.placement import services as placement
from kezek.placement.models import Direction, Enrollment, Place, PlacementSettings, Publication
from kezek.translog.models import Checkpoint
from kezek.waitlist import services as waitlist
from kezek.waitlist.models import (
    Application,
    BenefitClaim,
    Child,
    CohortCounter,
    QueueSettings,
    RankNode,
    StopListEntry,
)
from tests.factories import RegistryPersonFactory
from tests.factories import register_application as register
from tests.factories.discretion import basis
from tests.factories.staff import staff_user

from .conftest import MONDAY, World, kinds, toddler
from .tampering import ledger_rechain, triggers_off

APP, ADMIN = "application", "administrator"
LATER = MONDAY + dt.timedelta(days=40, hours=1)  # after the world's last tick: its places republished
JUNK = ".........."


@pytest.fixture(params=[APP, pytest.param(ADMIN, marks=pytest.mark.database_owner)])
def who(request: pytest.FixtureRequest) -> str:
    return str(request.param)


pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def later(world: World) -> Iterator[None]:
    with time_machine.travel(LATER, tick=False):
        yield


def refused(attempt: Callable[[], object]) -> bool:
    """True when the attempt is refused: a domain error, or the database refuses the statement (its
    savepoint rolls back, nothing changes)."""
    try:
        with transaction.atomic():
            attempt()
    except (DomainError, DatabaseError):
        return True
    return False


def play(who: str, attempt: Callable[[], object], *models: type[Model], reported: set[str]) -> None:
    """Play a tampering: as the application it must be refused or reported; as an administrator (the
    `models`' triggers off) reported, unless a constraint still refuses it."""
    if who == APP:
        assert refused(attempt) or reported <= kinds(), kinds()
        return
    with triggers_off(*models):
        done = not refused(attempt)
    if done:
        assert reported <= kinds(), kinds()


def queued(world: World, index: int = 0) -> Application:
    return Application.objects.filter(locality=world.locality, status="queued").order_by("pk")[index]


def sql(statement: str, params: list[Any]) -> Callable[[], None]:
    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement, params)

    return run


def update(model: type[Model], pk: object, **fields: object) -> Callable[[], None]:
    def run() -> None:
        assert model._default_manager.filter(pk=pk).update(**fields) == 1

    return run


# --- the queue ------------------------------------------------------------------------------------


def test_01_registered_at_edited(world: World, who: str) -> None:
    app = queued(world)
    earlier = app.registered_at - dt.timedelta(days=300)
    play(who, update(Application, app.pk, registered_at=earlier), Application,
         reported={"application.registered_at"})  # fmt: skip


@pytest.mark.parametrize("field", ["birth_date", "iin"])
def test_02_a_childs_birth_date_or_iin_edited(world: World, who: str, field: str) -> None:
    child = queued(world).child
    value = child.birth_date - dt.timedelta(days=200) if field == "birth_date" else toddler().iin
    play(who, update(Child, child.pk, **{field: value}), Child, reported={"application.child"})


def test_02b_a_commitment_salt_edited(world: World, who: str) -> None:
    """The salt that opens the published birth-date commitment (A5): changed, the family's opening would
    no longer match what the log carries."""
    app = queued(world)
    play(who, update(Application, app.pk, commitment_salt=bytes(16)), Application,
         reported={"application.commitment"})  # fmt: skip


def test_03_an_application_deleted(world: World, who: str) -> None:
    app = Application.objects.filter(
        locality=world.locality, status="queued", benefit_claims__isnull=True
    ).first()
    assert app is not None
    table, entries = Application._meta.db_table, StopListEntry._meta.db_table

    def delete() -> None:
        sql(f"DELETE FROM {entries} WHERE application_id = %s", [app.pk])()  # noqa: S608
        sql(f"DELETE FROM {table} WHERE id = %s", [app.pk])()  # noqa: S608

    play(who, delete, Application, StopListEntry, reported={"application.missing"})


def test_04_a_back_dated_application_inserted(world: World, who: str) -> None:
    model = queued(world)
    row: dict[str, Any] = dict(Application.objects.filter(pk=model.pk).values().get())
    row.pop("id")
    row.update(
        ordinal=Application.objects.aggregate(last=Max("ordinal"))["last"] + 1,
        child_id=waitlist.child_from_registry(iin=toddler().iin).pk,
        registered_at=model.registered_at - dt.timedelta(days=400),
    )
    play(who, lambda: Application.objects.create(**row), Application, reported={"application.unrecorded"})


def test_05_a_tier_raised(world: World, who: str) -> None:
    app = queued(world)
    play(who, update(Application, app.pk, tier="extraordinary"), Application, reported={"application.tier"})


def test_20_two_applications_order_swapped(world: World, who: str) -> None:
    first, second = queued(world, 0), queued(world, 1)
    assert first.cohort == second.cohort

    def swap() -> None:
        update(Application, first.pk, ordinal=0)()
        update(Application, second.pk, ordinal=first.ordinal)()
        update(Application, first.pk, ordinal=second.ordinal)()

    play(who, swap, Application, reported={"application.ordinal"})


def test_19_rank_and_count_tables_edited(world: World, who: str) -> None:
    node = RankNode.objects.filter(count__gt=0).order_by("pk").first()
    counter = CohortCounter.objects.filter(locality=world.locality).first()
    assert node is not None
    assert counter is not None

    def edit() -> None:
        update(RankNode, node.pk, count=node.count + 1)()
        update(CohortCounter, counter.pk, last_ordinal=1000)()

    play(who, edit, RankNode, CohortCounter, reported={"rank_node.count", "cohort_counter.last_ordinal"})


def test_25_a_withdrawn_application_resurrected_for_another_child(world: World, who: str) -> None:
    app = Application.objects.filter(locality=world.locality, status="withdrawn").get()
    other = waitlist.child_from_registry(iin=toddler().iin)
    play(who, update(Application, app.pk, status="queued", child=other), Application,
         reported={"application.status", "application.child"})  # fmt: skip


# --- the ledger -------------------------------------------------------------------------------------


def test_06_a_ledger_payload_edited(world: World, who: str) -> None:
    event = LedgerEvent.objects.filter(kind="application.registered").order_by("seq").first()
    assert event is not None
    edited = sql(  # a plain statement: the model's queryset refuses any UPDATE before the database does
        f"UPDATE {LedgerEvent._meta.db_table} SET payload = %s WHERE seq = %s",  # noqa: S608
        [json.dumps({**event.payload, "tier": "extraordinary"}), event.seq],
    )
    play(who, edited, LedgerEvent, reported={"ledger.chain"})


def test_07_the_ledgers_tail_deleted_and_the_head_rewound(world: World, who: str) -> None:
    """The last three events go (the staff child's enrolment among them) and the head points at what is
    left: the chain verifies, but the live tables are ahead of the ledger."""
    head = LedgerHead.objects.get()
    last = LedgerEvent.objects.get(seq=head.last_seq - 3)

    def cut() -> None:
        sql(f"DELETE FROM {LedgerEvent._meta.db_table} WHERE seq > %s", [last.seq])()  # noqa: S608
        sql(f"UPDATE {LedgerHead._meta.db_table} SET last_seq = %s, last_hash = %s",  # noqa: S608
            [last.seq, last.hash])()  # fmt: skip

    play(who, cut, LedgerEvent, LedgerHead, reported={"enrollment.unrecorded", "application.status"})


def test_08_the_whole_chain_rewritten(world: World, who: str) -> None:
    """An application's registration rewritten as extraordinary, its live row too, every hash after it
    recomputed: `ledger_verify` and the replay agree — the log's signed checkpoint does not (A4)."""
    assert Checkpoint.objects.exists()  # the world's tick integrated and signed the log
    app = queued(world)
    event = LedgerEvent.objects.get(kind="application.registered", subject_id=str(app.pk))

    def rewrite() -> None:
        sql(f"UPDATE {LedgerEvent._meta.db_table} SET payload = %s WHERE seq = %s",  # noqa: S608
            [json.dumps({**event.payload, "tier": "extraordinary"}), event.seq])()  # fmt: skip
        ledger_rechain(event.seq)
        update(Application, app.pk, tier="extraordinary")()

    play(who, rewrite, LedgerEvent, LedgerHead, Application, reported={"log.root"})
    if who == ADMIN:
        assert ledger_verify().ok
        assert kinds() == {"log.root", "rank_node.count"}  # the rank counts, kept by the services, moved


def test_21_a_ledger_event_duplicated_with_a_recomputed_hash(world: World, who: str) -> None:
    """Appended as the application itself appends (a valid chain): the replay sees the repetition."""
    for kind in ("application.extended", "application.registered", "direction.extended"):
        event = LedgerEvent.objects.get(seq=_last_seq(kind))

        def again(event: LedgerEvent = event) -> None:
            ledger_append(kind=event.kind, subject_type=event.subject_type, subject_id=event.subject_id,
                          locality_code=event.locality_code, payload=event.payload)  # fmt: skip

        play(who, again, reported={"ledger.replay"})


def test_a_ledger_event_forged_with_a_recomputed_chain(world: World, who: str) -> None:
    """Not in the review's list: an inserted event re-chained to the end (a valid chain) — a departure
    nobody made; the live enrolment is still there."""
    enrollment = Enrollment.objects.filter(left_on__isnull=True).first()
    assert enrollment is not None
    head = LedgerHead.objects.get()
    when = LATER
    payload = {"left_on": when.date().isoformat(), "group": enrollment.group_id}
    digest = event_hash(prev_hash=head.last_hash, seq=head.last_seq + 1, kind="enrollment.departed",
                        occurred_at=when, subject_type="enrollment", subject_id=str(enrollment.pk),
                        locality_code=world.locality.code, payload=payload)  # fmt: skip

    def forge() -> None:
        LedgerEvent.objects.create(
            seq=head.last_seq + 1, kind="enrollment.departed", occurred_at=when, subject_type="enrollment",
            subject_id=str(enrollment.pk), locality_code=world.locality.code, payload=payload,
            prev_hash=head.last_hash, hash=digest,
        )  # fmt: skip
        update(LedgerHead, 1, last_seq=head.last_seq + 1, last_hash=digest)()

    play(who, forge, LedgerEvent, LedgerHead, reported={"enrollment.left_on"})


# --- seats, publications and directions ----------------------------------------------------------------


def test_09_a_freed_seat_withheld_by_a_departure_in_sql(world: World, who: str) -> None:
    enrollment = Enrollment.objects.filter(group=world.group, left_on__isnull=True).first()
    assert enrollment is not None
    play(who, update(Enrollment, enrollment.pk, left_on=LATER.date()), Enrollment,
         reported={"enrollment.left_on", "group.seats_withheld"})  # fmt: skip


def test_09_a_freed_seat_withheld_by_a_capacity_change_in_sql(world: World, who: str) -> None:
    play(who, update(Group, world.group.pk, capacity=world.group.capacity + 2), Group,
         reported={"group.capacity", "group.seats_withheld"})  # fmt: skip


def test_09_an_open_place_withdrawn_in_sql(world: World, who: str) -> None:
    place = Place.objects.filter(group=world.group, status="open").first()
    assert place is not None
    play(who, update(Place, place.pk, status="withdrawn"), Place,
         reported={"place.status", "group.seats_withheld"})  # fmt: skip


def open_place(world: World) -> Place:
    """A place published now, inside its priority window: the group takes every age and grows by two
    seats."""
    group = group_update(group=world.group, by_staff=world.operator, age_from=1, age_to=7)
    placement.group_capacity_change(group=group, capacity=group.capacity + 2, by_staff=world.operator)
    place = Place.objects.filter(group=world.group, status="open").select_related("publication").last()
    assert place is not None
    assert place.publication.priority_until > LATER
    return place


def test_10_a_direction_to_a_non_holder_inside_the_window(world: World, who: str) -> None:
    place = open_place(world)
    outsider = register(locality=world.locality, child=toddler())
    assert not place.publication.holders.filter(application=outsider).exists()
    if who == APP:  # no place inside its window for the outsider (an older one, in general access, maybe)
        refused(partial(placement.direction_take, application=outsider, group=world.group,
                        applicant=outsider.applicant))  # fmt: skip
        assert not Direction.objects.filter(place__publication=place.publication).exists()
        return
    until = LATER + dt.timedelta(days=5)

    def issue() -> None:  # the row and a well-chained event, as an administrator could write them
        direction = Direction.objects.create(
            place=place, group=world.group, application=outsider, state="awaiting_enrollment",
            issued_at=LATER, valid_until=until, latest_valid_until=LATER + dt.timedelta(days=25),
        )  # fmt: skip
        update(Place, place.pk, status="taken")()
        update(Application, outsider.pk, status="referred")()
        ledger_append(
            kind="direction.issued", subject_type="direction", subject_id=str(direction.pk),
            locality_code=world.locality.code,
            payload={"group": world.group.pk, "application": outsider.pk, "place": place.pk,
                     "publication": place.publication_id, "by_right_of": outsider.pk,
                     "state": "awaiting_enrollment", "valid_until": until},
        )  # fmt: skip

    play(who, issue, Direction, Place, Application, reported={"ledger.replay"})


def test_11_a_direction_created_in_sql(world: World, who: str) -> None:
    place = open_place(world)
    app = queued(world)

    def create() -> None:
        Direction.objects.create(
            place=place, group=world.group, application=app, state="awaiting_enrollment", issued_at=LATER,
            valid_until=LATER + dt.timedelta(days=5), latest_valid_until=LATER + dt.timedelta(days=25),
        )  # fmt: skip

    play(who, create, Direction, reported={"direction.unrecorded"})


def test_12_an_enrolment_with_no_direction(world: World, who: str) -> None:
    child = waitlist.child_from_registry(iin=toddler().iin)
    play(who, lambda: Enrollment.objects.create(group=world.group, child=child, enrolled_on=LATER.date()),
         Enrollment, reported={"enrollment.unrecorded"})  # fmt: skip


def test_17_a_direction_extended_past_30_days(world: World, who: str) -> None:
    direction = Direction.objects.order_by("pk").first()
    assert direction is not None
    later = direction.issued_at + dt.timedelta(days=60)
    play(who, update(Direction, direction.pk, valid_until=later, latest_valid_until=later), Direction,
         reported={"direction.valid_until"})  # fmt: skip


def test_23_two_live_directions_for_one_application(world: World, who: str) -> None:
    """Refused by the database's unique index (which no trigger switch turns off)."""
    place = open_place(world)
    with time_machine.travel(place.publication.priority_until + dt.timedelta(hours=1), tick=False):
        taken = None
        for app in Application.objects.filter(locality=world.locality, status="queued").order_by("pk"):
            if not refused(partial(placement.direction_take, application=app, group=world.group,
                                   applicant=app.applicant)):  # fmt: skip
                taken = Direction.objects.get(application=app)
                break
    assert taken is not None
    second = Place.objects.filter(group=world.group, status="open").exclude(pk=taken.place_id).first()
    assert second is not None

    def twice() -> None:
        Direction.objects.create(
            place=second, group=world.group, application=taken.application, state="awaiting_enrollment",
            issued_at=LATER, valid_until=taken.valid_until, latest_valid_until=taken.latest_valid_until,
        )  # fmt: skip

    if who == APP:
        assert refused(twice)
    else:
        with triggers_off(Direction):
            assert refused(twice)
    assert Direction.objects.filter(application=taken.application).count() == 1


def test_24_a_publications_priority_until_edited(world: World, who: str) -> None:
    publication = Publication.objects.order_by("pk").first()
    assert publication is not None
    later = publication.priority_until + dt.timedelta(days=3)
    play(who, update(Publication, publication.pk, priority_until=later), Publication,
         reported={"publication.priority_until"})  # fmt: skip


# --- settings -----------------------------------------------------------------------------------------


def test_14_the_ratio_changed_quietly(world: World, who: str) -> None:
    row = QueueSettings.objects.get(locality=world.locality)
    play(who, update(QueueSettings, row.pk, priority_ratio=9), QueueSettings,
         reported={"queue_settings.priority_ratio"})  # fmt: skip


def test_14_the_priority_window_changed_quietly(world: World, who: str) -> None:
    row = PlacementSettings.objects.get(locality=world.locality)
    play(who, update(PlacementSettings, row.pk, priority_days=row.priority_days + 2), PlacementSettings,
         reported={"placement_settings.priority_days"})  # fmt: skip


# --- staff discretion -------------------------------------------------------------------------------


def test_13_a_staff_child_enrolled_with_a_junk_reason(world: World, who: str) -> None:
    if who == APP:
        child = RegistryPersonFactory.create(birth_date=dt.date(2024, 5, 5))
        assert refused(lambda: placement.enrollment_staff_child(
            group=world.group, child_iin=child.iin, by_staff=world.head, basis=basis(JUNK)))  # fmt: skip
        return
    kept = DiscretionBasis.objects.get(event_kind="enrollment.staff_child")  # the reason, made junk after
    play(who, update(DiscretionBasis, kept.pk, reason=JUNK), DiscretionBasis, reported={"basis.altered"})


def test_15_a_rival_stop_listed_with_a_junk_note(world: World, who: str) -> None:
    rival = queued(world)
    if who == APP:
        assert refused(lambda: waitlist.application_stop_list(
            application=rival, reason="manual", basis=basis(JUNK), by_staff=world.operator))  # fmt: skip
        return

    def stop() -> None:
        StopListEntry.objects.create(application=rival, locality=world.locality, cohort=rival.cohort,
                                     reason="manual", note=JUNK, since=LATER)  # fmt: skip
        update(Application, rival.pk, status="stop_listed")()

    play(who, stop, StopListEntry, Application, reported={"application.status", "application.stop_list"})


def test_16_an_extraordinary_benefit_confirmed_with_no_document(world: World, who: str) -> None:
    app = register(locality=world.locality, child=toddler(), tier="extraordinary")
    claim = app.benefit_claims.get()
    if who == APP:  # the stored certificate is gone: the service refuses to confirm
        claim.document.storage.delete(claim.document.name)
        assert refused(lambda: waitlist.benefit_claim_decide(
            claim=claim, confirm=True, by_staff=world.operator, basis=basis()))  # fmt: skip
        return
    play(who, update(BenefitClaim, claim.pk, status="confirmed"), BenefitClaim,
         reported={"benefit_claim.status"})  # fmt: skip


def test_18_someone_elses_cleanup_stop_listing_restored(world: World, who: str) -> None:
    stopped = Application.objects.filter(locality=world.locality, status="stop_listed").order_by("pk")
    manual = stopped.filter(stop_list_entries__reason="manual", stop_list_entries__restored_at=None).first()
    other = queued(world)
    assert manual is not None
    if who == APP:  # another parent; the parent of a manual stop-listing; staff with no basis
        for by in ({"by_applicant": other.applicant}, {"by_applicant": manual.applicant},
                   {"by_staff": world.operator}):  # fmt: skip
            assert refused(partial(waitlist.application_restore, application=manual, **by))
        return

    def restore() -> None:
        StopListEntry.objects.filter(application=manual).update(restored_at=LATER)
        update(Application, manual.pk, status="queued")()

    play(who, restore, StopListEntry, Application, reported={"application.status", "application.stop_list"})


def test_22_a_cabinet_moved_to_a_stranger(world: World, who: str) -> None:
    app, stranger = queued(world, 0), queued(world, 1).applicant
    if who == APP:  # one staff member's approval moves nothing (D2)
        from tests.discretion.test_four_eyes import stranger_request

        found = stranger_request(app)
        access_request_decide(request=found, approve=True, by_staff=staff_user(), basis=basis())
        assert Application.objects.get(pk=app.pk).applicant_id == app.applicant_id
        return
    play(who, update(Application, app.pk, applicant=stranger), Application,
         reported={"application.applicant"})  # fmt: skip


def _last_seq(kind: str) -> int:
    seq = LedgerEvent.objects.filter(kind=kind).aggregate(last=Max("seq"))["last"]
    assert seq is not None
    return int(seq)
