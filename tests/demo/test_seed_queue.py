"""`seed_demo`'s queue: valid rows (Q1–Q7, I4, S2), positions equal to the reference merge (Q4, Q6),
consistent counters and Fenwick nodes, a verifiable ledger, determinism, resets of the append-only ledger."""

import datetime as dt
import hashlib
import random
from collections import Counter, defaultdict
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings

from kezek.confirmation.models import Response
from kezek.core import clock
from kezek.core.phones import normalize_phone
from kezek.demo.generate import SCALES, generate_registry, places_of
from kezek.demo.queue import (
    DEMO_TODAY,
    DOCUMENT_NAME,
    REGISTRATION_YEARS,
    CandidateCollector,
    TooManyApplications,
    add_years,
    demo_now,
    plan_queue,
)
from kezek.facilities.models import Group, Locality
from kezek.ledger.hashing import payload_canonical
from kezek.ledger.models import LedgerEvent, LedgerHead
from kezek.ledger.selectors import ledger_verify
from kezek.ledger.services import ledger_append
from kezek.opendata import selectors as opendata
from kezek.placement.models import Direction, Enrollment, Place, PriorityHolder, Publication
from kezek.placement.selectors import groups_with_unaccounted_seats
from kezek.registry.models import RegistryBenefit, RegistryKinship, RegistryPerson
from kezek.waitlist import ordering, ranks, selectors, services
from kezek.waitlist.commitments import application_commitments
from kezek.waitlist.models import (
    Applicant,
    Application,
    BenefitCategory,
    BenefitClaim,
    CohortCounter,
    RankNode,
    StopListEntry,
)
from tests.demo.queue_digest import queue_parts
from tests.factories import register_application

pytestmark = pytest.mark.django_db


def seed(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def queue_digest() -> str:
    h = hashlib.sha256()
    for rows in queue_parts():
        for row in rows:
            h.update(repr(row).encode())
        h.update(b"|")
    return h.hexdigest()


def positions(locality_id: int, cohort: int) -> list[tuple[str, int]]:
    """(child IIN, position) of every queued application of the cohort, by `queue_position`."""
    rows = []
    for application in Application.objects.filter(locality_id=locality_id, cohort=cohort, status="queued"):
        place = selectors.queue_position(application=application)
        assert place is not None
        rows.append((application.child.iin, place.position))
    return sorted(rows, key=lambda row: row[1])


def assert_positions_match_reference(locality_id: int, cohort: int) -> int:
    reference = selectors.cohort_order_reference(locality_id=locality_id, cohort=cohort)
    applications = Application.objects.in_bulk(reference)
    for place, number in enumerate(reference, start=1):
        position = selectors.queue_position(application=applications[number])
        assert position is not None, number
        assert (position.position, position.cohort_size) == (place, len(reference)), number
    return len(reference)


def sample_cohorts(count: int = 3) -> list[tuple[int, int]]:
    """The largest cohorts first (they mix all three tiers), then one per other locality."""
    counters = sorted(
        CohortCounter.objects.values_list("last_ordinal", "locality_id", "cohort"), reverse=True
    )
    chosen = [(locality, cohort) for _n, locality, cohort in counters[:count]]
    for _n, locality, cohort in counters:
        if locality not in {loc for loc, _c in chosen}:
            chosen.append((locality, cohort))
    return chosen


# ---------------------------------------------------------------------------------------------- rows


def test_small_scale_queues_every_child_under_seven() -> None:
    out, _err = seed()
    under_seven = RegistryPerson.objects.filter(
        birth_date__gt=add_years(DEMO_TODAY, -7), birth_date__lte=DEMO_TODAY - dt.timedelta(days=4)
    )
    with_parent = under_seven.filter(parent_links__isnull=False).distinct().count()
    applications = Application.objects.count()
    assert applications == with_parent > 2000
    assert under_seven.count() - with_parent < 0.01 * applications  # a few orphans
    assert f"{applications} applications" in out
    tiers = Counter(Application.objects.values_list("tier", flat=True))
    assert 0.08 <= tiers["first_priority"] / applications <= 0.16  # ~12 %
    assert 0.005 <= tiers["extraordinary"] / applications <= 0.03  # ~1.5 %
    statuses = Counter(Application.objects.values_list("status", flat=True))
    assert set(statuses) == {"queued", "stop_listed"}
    assert 0.005 <= statuses["stop_listed"] / applications <= 0.06
    assert set(Application.objects.values_list("locality__code", flat=True)) == {
        "ust-kamenogorsk",
        "ridder",
        "glubokoe",
    }
    assert set(Application.objects.values_list("language", flat=True)) == {"kk", "ru"}
    assert Applicant.objects.count() < applications  # siblings share their applicant


def test_persons_phones_dates_and_validity_follow_the_rules() -> None:
    seed()
    tz = clock.local_tz()
    now = demo_now(tz)
    registry = {p.iin: p for p in RegistryPerson.objects.all()}
    parents = defaultdict(set)
    for parent_iin, child_iin in RegistryKinship.objects.values_list("parent__iin", "child__iin"):
        parents[child_iin].add(parent_iin)
    orphans = set(RegistryBenefit.objects.filter(category="orphan").values_list("person__iin", flat=True))
    by_cohort: dict[tuple[int, int], list[Application]] = defaultdict(list)
    for application in Application.objects.select_related("child", "applicant"):
        child, applicant = application.child, application.applicant
        person = registry[child.iin]
        assert (child.last_name, child.first_name, child.middle_name) == (
            person.last_name, person.first_name, person.middle_name
        )  # fmt: skip
        assert (child.birth_date, child.sex) == (person.birth_date, person.sex)
        assert application.cohort == child.birth_date.year  # Q3
        assert add_years(DEMO_TODAY, -7) < child.birth_date  # under 7 (Q2)
        # I3: the registry lists the applicant as the child's parent (orphans have nobody: not queued).
        assert applicant.iin in parents[child.iin]
        assert child.iin not in orphans
        assert registry[applicant.iin].last_name == applicant.last_name
        # I4: two distinct, valid mobile numbers.
        assert normalize_phone(applicant.phone) == applicant.phone
        assert normalize_phone(applicant.phone_alt) == applicant.phone_alt != applicant.phone
        assert applicant.created_at <= application.registered_at
        # Registered within the last six years, after the birth, before the demo's "now".
        registered = application.registered_at
        assert now - dt.timedelta(days=366 * REGISTRATION_YEARS) <= registered < now
        assert registered.astimezone(tz).date() > child.birth_date
        # Q7: a year of validity, extended by the yearly confirmations; lapsed only when stop-listed.
        day = registered.astimezone(tz).date()
        assert application.valid_until >= add_years(day, 1)
        if application.status == "queued":
            assert application.valid_until >= DEMO_TODAY
            assert application.status_changed_at == registered
            assert application.status_reason == ""
        by_cohort[application.locality_id, application.cohort].append(application)
    for rows in by_cohort.values():
        rows.sort(key=lambda a: a.ordinal)
        assert [a.ordinal for a in rows] == list(range(1, len(rows) + 1))
        moments = [a.registered_at for a in rows]
        assert moments == sorted(moments)  # registered_at is monotone with the ordinal (Q1, Q4)
    numbers = list(Application.objects.order_by("pk").values_list("registered_at", flat=True))
    assert numbers == sorted(numbers)  # numbers are given in registration order


def test_benefit_claims_and_stop_list_entries() -> None:
    seed()
    tz = clock.local_tz()
    categories = {c.pk: c for c in BenefitCategory.objects.all()}
    benefits = defaultdict(list)
    for iin, code, start, end in RegistryBenefit.objects.values_list(
        "person__iin", "category", "valid_from", "valid_to"
    ):
        benefits[iin].append((code, start, end))
    claims = defaultdict(list)
    for claim in BenefitClaim.objects.all():
        claims[claim.application_id].append(claim)
    for application in Application.objects.select_related("child"):
        mine = claims[application.pk]
        registry_claims = [c for c in mine if c.source == "registry"]
        documents = [c for c in mine if c.source == "document"]
        assert all(c.status == "confirmed" for c in mine)
        day = application.registered_at.astimezone(tz).date()
        for claim in registry_claims:  # Q5: confirmed by a registry record valid when registering
            category = categories[claim.category_id]
            assert category.tier == "first_priority"
            assert any(
                code == category.registry_code and start <= day and (end is None or day <= end)
                for code, start, end in benefits[application.child.iin]
            )
            assert claim.created_at == claim.decided_at == application.registered_at
            assert claim.document == ""
        if application.tier == "extraordinary":
            (claim,) = documents
            assert categories[claim.category_id].tier == "extraordinary"
            assert claim.document.name == DOCUMENT_NAME
            assert claim.document_issued_on is not None
            assert day - dt.timedelta(days=31) <= claim.document_issued_on <= day
            assert claim.decided_at is not None
            assert application.registered_at < claim.decided_at
        else:
            assert documents == []
            assert (application.tier == "first_priority") == bool(registry_claims)
    entries = {e.application_id: e for e in StopListEntry.objects.all()}
    stop_listed = Application.objects.filter(status="stop_listed")
    assert set(entries) == set(stop_listed.values_list("pk", flat=True))
    for application in stop_listed:
        entry = entries[application.pk]
        assert (entry.reason, entry.restore_on, entry.restored_at) == ("cleanup", None, None)  # S2
        assert application.status_changed_at == entry.since > application.registered_at
        assert application.status_reason == "cleanup"  # the code the cabinet's restore button needs
        assert selectors.queue_position(application=application) is None  # S1


# ---------------------------------------------------------------------------- counters and positions


def test_counters_and_rank_nodes_match_the_applications() -> None:
    seed()
    counters = list(CohortCounter.objects.all())
    assert counters
    for counter in counters:
        rows = Application.objects.filter(locality_id=counter.locality_id, cohort=counter.cohort)
        last = rows.order_by("-ordinal").first()
        assert last is not None
        assert (counter.last_ordinal, counter.last_registered_at) == (last.ordinal, last.registered_at)
        assert rows.count() == counter.last_ordinal
        ordinals: dict[str, list[int]] = defaultdict(list)
        for tier, ordinal in rows.filter(status="queued").values_list("tier", "ordinal"):
            ordinals[tier].append(ordinal)
        stored = {
            (tier, node): count
            for tier, node, count in RankNode.objects.filter(
                locality_id=counter.locality_id, cohort=counter.cohort
            ).values_list("tier", "node", "count")
        }
        assert stored == ranks.rebuild_rows(ordinals)
    assert CohortCounter.objects.count() == len(set(Application.objects.values_list("locality", "cohort")))


def test_positions_of_seeded_applications_agree_with_the_reference_merge() -> None:
    """Q4, Q6: `queue_position` (Fenwick counts) equals the plain merge for several whole cohorts."""
    seed()
    checked = 0
    tiers: set[str] = set()
    for locality_id, cohort in sample_cohorts():
        checked += assert_positions_match_reference(locality_id, cohort)
        tiers |= set(
            Application.objects.filter(locality_id=locality_id, cohort=cohort).values_list("tier", flat=True)
        )
    assert checked > 500
    assert tiers == set(ordering.TIERS)


def test_the_services_carry_on_from_a_seeded_queue() -> None:
    """A real registration after the seed continues the cohort; a withdrawal updates the Fenwick nodes."""
    seed("--applications", "300")
    queued_children = set(Application.objects.values_list("child__iin", flat=True))
    child = (
        RegistryPerson.objects.filter(birth_date__gte=dt.date(2023, 1, 1), parent_links__isnull=False)
        .exclude(iin__in=queued_children)
        .order_by("iin")
        .first()
    )
    assert child is not None
    parent = RegistryPerson.objects.filter(children_links__child=child).order_by("iin").first()
    seeded = Application.objects.filter(status="queued", tier="general").select_related("locality").first()
    assert seeded is not None
    locality = seeded.locality
    counter = CohortCounter.objects.filter(locality=locality, cohort=child.birth_date.year).first()
    before = counter.last_ordinal if counter else 0
    assert parent is not None
    cabinet = Applicant.objects.filter(iin=parent.iin).first()  # a sibling's: its confirmed phones (I4)
    phones = (cabinet.phone, cabinet.phone_alt) if cabinet else None
    application = register_application(locality=locality, child=child, applicant=parent, phones=phones)
    assert application.ordinal == before + 1
    assert application.registered_at > demo_now(clock.local_tz())
    services.application_withdraw(application=seeded, by_applicant=seeded.applicant)
    for locality_id, cohort in {(locality.pk, child.birth_date.year), (locality.pk, seeded.cohort)}:
        assert_positions_match_reference(locality_id, cohort)
    assert ledger_verify().ok


# ------------------------------------------------------------------------------------------- ledger


def test_ledger_verifies_and_records_every_application() -> None:
    seed()
    result = ledger_verify()
    assert result.ok, result.reason
    assert result.checked == LedgerEvent.objects.count() == LedgerHead.objects.get().last_seq
    registered: dict[int, dict[str, Any]] = {}
    state: dict[int, tuple[str, str]] = {}
    previous = None
    # The generated queue's events; the demo's yearly confirmation follows, written by the services.
    launched = LedgerEvent.objects.filter(kind="campaign.launched").order_by("seq").first()
    assert launched is not None
    # The chain opens with the bulk-loaded groups' creation (P1: the audit replays their capacity).
    groups = LedgerEvent.objects.filter(kind="group.created")
    assert groups.count() == Group.objects.count()
    assert set(groups.values_list("seq", flat=True)) == set(range(1, Group.objects.count() + 1))
    generated = LedgerEvent.objects.filter(seq__lt=launched.seq).exclude(kind="group.created")
    live = Counter(
        LedgerEvent.objects.filter(seq__gte=launched.seq)
        .exclude(kind__startswith="funding.")  # the demo's rates and statements (kezek.demo.funding)
        .values_list("kind", flat=True)
    )
    # … and the groups' free seats, published by the seat sweep (P1): one publication a group.
    assert set(live) == {
        "campaign.launched", "campaign.confirmed", "application.extended", "places.published"
    }  # fmt: skip
    assert live["campaign.confirmed"] == Response.objects.count() > 0
    assert live["places.published"] == Publication.objects.count() == Group.objects.count()
    for event in generated.order_by("seq"):
        assert event.subject_type == "application"
        assert payload_canonical(event.payload)[0] == event.payload
        assert previous is None or previous <= event.occurred_at  # the chain is in time order
        previous = event.occurred_at
        number = int(event.subject_id)
        assert event.payload["number"] == number
        if event.kind == "application.registered":
            assert number not in registered
            registered[number] = event.payload
        else:
            assert number in registered  # nothing happens to an application before it exists
        state[number] = (event.payload["status"], event.payload["tier"])
    kinds = Counter(generated.values_list("kind", flat=True))
    assert set(kinds) == {
        "application.registered", "benefit.decided", "application.extended", "application.stop_listed"
    }  # fmt: skip
    assert kinds["application.stop_listed"] == Application.objects.filter(status="stop_listed").count()
    assert kinds["benefit.decided"] == Application.objects.filter(tier="extraordinary").count()
    applications = Application.objects.select_related("locality", "child")
    assert len(registered) == applications.count()
    for application in applications:
        payload = registered[application.pk]
        assert payload["cohort"] == application.cohort
        assert payload["ordinal"] == application.ordinal
        assert payload["tier"] == application.tier
        assert payload["status"] == "queued"
        assert dt.datetime.fromisoformat(payload["registered_at"]) == application.registered_at.replace(
            microsecond=application.registered_at.microsecond // 1000 * 1000
        )
        assert "benefits" not in payload  # no benefit categories in the public ledger
        # The salt written with the row (COPY on PostgreSQL) opens the event's commitment (issue 17).
        (opening,) = application_commitments(application)
        assert opening["commitment"] == payload["birth_commitment"]
        assert state[application.pk] == (application.status, application.tier)  # the replay agrees
    events = LedgerEvent.objects.filter(kind="application.registered", locality_code="ridder")
    assert events.exists()


def test_the_demo_publishes_its_free_seats_and_open_data_shows_them() -> None:
    """P1: every seat of the demo's groups is held or published — none withheld — through the seat sweep,
    each publication with its ledger event, in general access (free since the academic year began)."""
    out, _err = seed()
    assert not groups_with_unaccounted_seats().exists()
    capacity = Group.objects.filter(is_active=True).aggregate(n=Sum("capacity"))["n"]
    held = Enrollment.objects.filter(left_on__isnull=True).count() + Direction.objects.count()
    open_places = Place.objects.filter(status="open").count()
    assert open_places == capacity - held > 0
    assert f"{open_places} free places published" in out
    assert set(Publication.objects.values_list("cause", flat=True)) == {"unaccounted"}
    assert not PriorityHolder.objects.exists()  # general access: the windows are over
    figures = [opendata.figures(locality=locality).free_places for locality in Locality.objects.all()]
    assert sum(figures) == open_places
    assert all(figures)
    assert ledger_verify().ok


def test_a_load_refuses_when_the_ledger_already_has_events() -> None:
    with transaction.atomic():
        ledger_append(kind="test.event", payload={})
    with pytest.raises(CommandError, match="1 ledger events"):
        seed()
    assert not Application.objects.exists()
    out, _err = seed("--if-empty")
    assert "nothing loaded" in out


@pytest.mark.database_owner  # seed_demo --reset empties the ledger (TRUNCATE)
def test_reset_empties_the_ledger_loudly_and_reloads_the_same_queue() -> None:
    seed()
    digest, events = queue_digest(), LedgerEvent.objects.count()
    _out, err = seed("--reset")
    assert f"EMPTIED ({events} events removed)" in err
    assert queue_digest() == digest
    assert LedgerEvent.objects.count() == events
    assert ledger_verify().ok
    _out, err = seed("--reset", "--seed", "7")
    assert queue_digest() != digest
    assert ledger_verify().ok


def test_reset_refuses_to_empty_a_production_ledger() -> None:
    seed("--applications", "50")
    digest = queue_digest()
    with override_settings(IS_PRODUCTION=True), pytest.raises(CommandError, match="production"):
        seed("--reset")
    assert queue_digest() == digest
    assert ledger_verify().ok


# ----------------------------------------------------------------------------------- --applications


@pytest.mark.database_owner  # seed_demo --reset empties the ledger (TRUNCATE)
def test_applications_option_chooses_an_exact_deterministic_subset() -> None:
    out, _err = seed("--applications", "120")
    assert Application.objects.count() == 120
    assert "120 applications" in out
    assert ledger_verify().ok
    digest = queue_digest()
    seed("--reset", "--applications", "120")
    assert queue_digest() == digest
    seed("--reset", "--applications", "0")
    assert not Application.objects.exists()
    # No queue, no queue events; the groups' free seats are published all the same (P1).
    kinds = set(LedgerEvent.objects.values_list("kind", flat=True))
    assert {kind for kind in kinds if not kind.startswith("funding.")} == {"places.published"}  # rates: demo
    assert ledger_verify().ok
    with pytest.raises(CommandError, match="children under 7"):
        seed("--reset", "--applications", "100000")
    with pytest.raises(CommandError, match="negative"):
        seed("--reset", "--applications", "-1")


def test_queue_plan_is_deterministic_in_memory() -> None:
    collector = CandidateCollector()
    for chunk in generate_registry(random.Random(5), children=800, kazakh_share=0.5):
        collector.add_chunk(chunk)
    places = [(place, weight) for _region, place, weight in places_of(SCALES["small"])]

    def plan(seed_value: int, count: int | None) -> list[tuple[object, ...]]:
        result = plan_queue(
            random.Random(seed_value),
            collector.candidates,
            places=places,
            count=count,
            first_priority={"large_family": "large_family", "orphan": "orphan"},
            extraordinary=[(1, "military")],
            tz=clock.local_tz(),
        )
        return [
            (a.child.iin, a.locality, a.cohort, a.ordinal, a.tier, a.status, a.registered_at, a.valid_until)
            for a in result.applications
        ]

    assert plan(1, None) == plan(1, None)
    assert plan(1, None) != plan(2, None)
    assert len(plan(1, 100)) == 100
    with pytest.raises(TooManyApplications):
        plan(1, len(collector.candidates) + 1)
