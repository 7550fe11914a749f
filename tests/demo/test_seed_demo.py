"""`seed_demo`: the small scale loads, is valid (I1, I2, model constraints), deterministic and re-runnable."""

import datetime as dt
import hashlib
import random
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from kezek.core.iin import is_valid_bin, parse_iin
from kezek.demo import catalogue as cat
from kezek.demo import services
from kezek.demo.generate import (
    CHILD_BIRTH_FIRST,
    CHILD_BIRTH_LAST,
    PARENT_BIRTH_FIRST,
    PARENT_BIRTH_LAST,
    SCALES,
    IinAllocator,
    generate_registry,
)
from kezek.demo.services import demo_load
from kezek.facilities.models import BaseFee, EducationDepartment, Group, Locality, Organisation, Region
from kezek.registry.models import RegistryBenefit, RegistryKinship, RegistryPerson
from tests.demo.queue_digest import queue_parts

pytestmark = pytest.mark.django_db

SMALL = SCALES["small"]


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def digest() -> str:
    """A fingerprint of every demo row, independent of database ids."""
    h = hashlib.sha256()
    parts = [
        Region.objects.order_by("code").values_list("code", "name_ru", "name_kk"),
        Locality.objects.order_by("code").values_list("code", "region__code", "name_ru", "name_kk", "kind"),
        EducationDepartment.objects.order_by("locality__code").values_list(
            "locality__code", "name_ru", "name_kk", "phone", "email", "address"
        ),
        Organisation.objects.order_by("bin").values_list(
            "bin", "locality__code", "name_ru", "name_kk", "kind", "ownership", "work_week", "opens_at",
            "closes_at", "duty_group", "extra_equipment", "phone", "website", "email", "address",
            "latitude", "longitude",
        ),
        Group.objects.order_by("organisation__bin", "name").values_list(
            "organisation__bin", "name", "age_from", "age_to", "language", "kind", "capacity", "academic_year"
        ),
        BaseFee.objects.order_by("organisation__bin", "age_from").values_list(
            "organisation__bin", "age_from", "age_to", "monthly_fee"
        ),
        RegistryPerson.objects.order_by("iin").values_list(
            "iin", "last_name", "first_name", "middle_name", "birth_date", "sex"
        ),
        RegistryKinship.objects.order_by("parent__iin", "child__iin").values_list(
            "parent__iin", "child__iin"
        ),
        RegistryBenefit.objects.order_by("person__iin", "category").values_list(
            "person__iin", "category", "valid_from", "valid_to"
        ),
        *queue_parts(),
    ]  # fmt: skip
    for rows in parts:
        for row in rows:
            h.update(repr(row).encode())
        h.update(b"|")
    return h.hexdigest()


def children() -> list[RegistryPerson]:
    return list(RegistryPerson.objects.filter(birth_date__gte=CHILD_BIRTH_FIRST))


# ------------------------------------------------------------------------------------------ loading


def test_small_scale_loads_with_expected_counts() -> None:
    out = seed()  # --scale small is the default
    assert out.startswith("seed_demo scale=small seed=2026: ")
    assert "8000 children" in out
    assert Region.objects.get().code == "vko"
    assert sorted(Locality.objects.values_list("code", flat=True)) == [
        "glubokoe",
        "ridder",
        "ust-kamenogorsk",
    ]
    assert EducationDepartment.objects.count() == 3
    assert Organisation.objects.count() == sum(count for _code, count in SMALL.organisations) == 26
    assert 26 * 2 <= Group.objects.count() <= 26 * 8
    kids = children()
    assert len(kids) == 8000
    parents = RegistryPerson.objects.filter(birth_date__lte=PARENT_BIRTH_LAST).count()
    assert parents + len(kids) == RegistryPerson.objects.count()
    assert 1.1 * 8000 / 1.6 <= parents <= 2 * 8000  # 1–2 parents per family of 1–3 children
    benefit_children = RegistryBenefit.objects.values("person").distinct().count()
    assert 0.06 <= benefit_children / len(kids) <= 0.16  # about 12 %
    assert f"{Organisation.objects.count()} organisations" in out


def test_every_iin_is_valid_unique_and_round_trips() -> None:
    """I1: birth date and sex derived from the IIN agree with the registry record."""
    seed()
    rows = list(RegistryPerson.objects.values_list("iin", "birth_date", "sex"))
    assert len({iin for iin, _birth, _sex in rows}) == len(rows)
    for iin, birth_date, sex in rows:
        parsed = parse_iin(iin)
        assert (parsed.birth_date, parsed.sex) == (birth_date, sex), iin


def test_every_bin_is_valid_and_unique() -> None:
    seed()
    bins = list(Organisation.objects.values_list("bin", flat=True))
    assert len(set(bins)) == len(bins)
    assert all(is_valid_bin(value) for value in bins)


def test_kinship_links_older_parents_to_children() -> None:
    seed()
    parents_of: dict[int, list[tuple[dt.date, str]]] = defaultdict(list)
    for child_id, child_birth, parent_birth, parent_sex in RegistryKinship.objects.values_list(
        "child_id", "child__birth_date", "parent__birth_date", "parent__sex"
    ):
        assert CHILD_BIRTH_FIRST <= child_birth <= CHILD_BIRTH_LAST
        assert PARENT_BIRTH_FIRST <= parent_birth <= PARENT_BIRTH_LAST
        assert (child_birth - parent_birth).days > 16 * 365
        parents_of[child_id].append((parent_birth, parent_sex))
    for links in parents_of.values():
        sexes = sorted(sex for _birth, sex in links)
        assert sexes in (["F"], ["M"], ["F", "M"])
    # Everybody but a few orphans has a parent in the registry; nobody is their own parent (DB check).
    kids = children()
    without_parent = [kid for kid in kids if kid.pk not in parents_of]
    assert len(without_parent) < 0.02 * len(kids)
    orphans = set(RegistryBenefit.objects.filter(category="orphan").values_list("person_id", flat=True))
    assert {kid.pk for kid in without_parent} == orphans


def test_families_include_siblings_and_twins() -> None:
    seed()
    by_parent: dict[int, list[dt.date]] = defaultdict(list)
    for parent_id, child_birth in RegistryKinship.objects.values_list("parent_id", "child__birth_date"):
        by_parent[parent_id].append(child_birth)
    sizes = Counter(len(births) for births in by_parent.values())
    assert set(sizes) <= {1, 2, 3}
    assert sizes[2] > 0
    assert sizes[3] > 0
    twins = [births for births in by_parent.values() if len(set(births)) < len(births)]
    assert twins


def test_names_are_kazakh_and_russian_and_match_sex() -> None:
    seed()
    kids = children()
    kazakh = [kid for kid in kids if kid.middle_name.endswith(("ұлы", "қызы"))]
    russian = [kid for kid in kids if kid.first_name in cat.RU_BOYS + cat.RU_GIRLS]
    assert 0.25 * len(kids) < len(kazakh)
    assert 0.2 * len(kids) < len(russian)
    for person in RegistryPerson.objects.all():
        if person.sex == "M":
            assert not person.last_name.endswith(("ова", "ева", "ина", "ская")), person.last_name
            assert not person.middle_name.endswith(("қызы", "овна", "евна", "ична")), person.middle_name
        else:
            assert not person.last_name.endswith(("ов", "ев", "ин", "ский")), person.last_name
            assert not person.middle_name.endswith(("ұлы", "ич")), person.middle_name
    # Children carry their father's first name in their patronymic.
    for child_id, father_first, child_middle in RegistryKinship.objects.filter(parent__sex="M").values_list(
        "child_id", "parent__first_name", "child__middle_name"
    ):
        stem = cat.plain_spelling(father_first).replace("ё", "е")[:2]
        assert cat.plain_spelling(child_middle).replace("ё", "е").startswith(stem), (child_id, child_middle)


def test_benefits_are_current_first_priority_records_of_children() -> None:
    seed()
    categories = set(RegistryBenefit.objects.values_list("category", flat=True))
    assert categories <= {
        "large_family", "disabled_parent", "orphan", "special_needs", "disabled_child", "teacher_child"
    }  # fmt: skip
    assert len(categories) >= 4
    for valid_from, valid_to, birth in RegistryBenefit.objects.values_list(
        "valid_from", "valid_to", "person__birth_date"
    ):
        assert birth <= valid_from <= CHILD_BIRTH_LAST
        assert valid_to is None or valid_to > dt.date(2026, 12, 31)


def test_organisations_and_groups_respect_the_passport_rules() -> None:
    seed()
    for org in Organisation.objects.prefetch_related("groups", "base_fees"):
        assert org.name_ru
        assert org.name_kk
        assert org.address
        assert org.department.locality_id == org.locality_id
        assert org.work_week == "round_the_clock" or org.opens_at < org.closes_at
        assert org.latitude is not None
        assert abs(org.latitude - 50) < 2
        assert org.longitude is not None
        assert abs(org.longitude - 83) < 2
        groups = list(org.groups.all())
        assert 2 <= len(groups) <= 8
        assert len({g.name for g in groups}) == len(groups)
        for group in groups:
            assert 1 <= group.age_from < group.age_to <= 7
            assert 10 <= group.capacity <= 30
            assert group.language in ("kk", "ru")
            assert group.academic_year == 2026
        fees = list(org.base_fees.all())
        if org.ownership == "private":
            assert {fee.age_from for fee in fees} == {g.age_from for g in groups}
            assert all(fee.monthly_fee >= 15_000 for fee in fees)
        else:
            assert fees == []
    kinds = Counter(Group.objects.values_list("kind", flat=True))
    assert kinds["general"] > 0.8 * sum(kinds.values())
    assert Organisation.objects.filter(ownership="state").exists()
    assert Organisation.objects.filter(ownership="private").exists()
    assert set(Group.objects.values_list("language", flat=True)) == {"kk", "ru"}


# ------------------------------------------------------------------------------------- determinism


@pytest.mark.database_owner  # seed_demo --reset empties the ledger (TRUNCATE)
def test_same_seed_gives_identical_data_and_another_seed_does_not() -> None:
    seed()
    first = digest()
    seed("--reset")
    assert digest() == first
    seed("--reset", "--seed", "7")
    assert digest() != first


def test_generation_is_deterministic_in_memory() -> None:
    def persons(seed_value: int) -> list[tuple[object, ...]]:
        rng = random.Random(seed_value)
        return [p for chunk in generate_registry(rng, children=500, kazakh_share=0.5) for p in chunk.persons]

    assert persons(1) == persons(1)
    assert persons(1) != persons(2)


def test_chunking_does_not_change_the_data() -> None:
    def persons(chunk_children: int) -> list[tuple[object, ...]]:
        rng = random.Random(3)
        chunks = generate_registry(rng, children=700, kazakh_share=0.5, chunk_children=chunk_children)
        return [p for chunk in chunks for p in chunk.persons]

    assert persons(100) == persons(20_000)


@pytest.mark.database_owner  # seed_demo --reset empties the ledger (TRUNCATE)
@pytest.mark.postgres
def test_copy_writer_and_bulk_create_write_the_same_rows() -> None:
    demo_load(scale="small", seed=11, use_copy=True)
    copied = digest()
    demo_load(scale="small", seed=11, reset=True, use_copy=False)
    assert digest() == copied


# ------------------------------------------------------------------------------------------ re-runs


def test_second_run_refuses_and_changes_nothing() -> None:
    seed()
    before = digest()
    with pytest.raises(CommandError, match=r"already present .*--reset.*--if-empty"):
        seed()
    assert digest() == before


def test_if_empty_skips_when_loaded_and_loads_when_empty() -> None:
    assert "8000 children" in seed("--if-empty")
    before = digest()
    assert "nothing loaded" in seed("--if-empty")
    assert digest() == before


@pytest.mark.database_owner  # seed_demo --reset empties the ledger (TRUNCATE)
def test_reset_replaces_the_demo_data() -> None:
    seed()
    seed("--reset")
    assert Region.objects.count() == 1
    assert Organisation.objects.count() == 26
    assert RegistryPerson.objects.filter(birth_date__gte=CHILD_BIRTH_FIRST).count() == 8000


def test_existing_registry_rows_count_as_demo_data() -> None:
    RegistryPerson.objects.create(
        iin="200101500013", last_name="Тестов", first_name="Тест", birth_date=dt.date(2020, 1, 1), sex="M"
    )
    with pytest.raises(CommandError, match="1 registry persons"):
        seed()
    assert not Region.objects.exists()


@pytest.mark.database_owner  # seed_demo --reset empties the ledger (TRUNCATE)
def test_reset_refuses_when_demo_rows_are_referenced(monkeypatch: pytest.MonkeyPatch) -> None:
    """Records of other apps pointing at demo rows make --reset fail and change nothing."""
    seed()
    before = digest()

    def referenced() -> None:
        raise IntegrityError("violates foreign key constraint on table waitlist_child")

    monkeypatch.setattr(services, "_delete_registry", referenced)
    with pytest.raises(CommandError, match="referenced by other records"):
        seed("--reset")
    assert digest() == before


def test_reset_and_if_empty_exclude_each_other() -> None:
    with pytest.raises(CommandError):
        seed("--reset", "--if-empty")


# ------------------------------------------------------------------------------------------- scales


def test_scales_have_the_promised_sizes() -> None:
    region = SCALES["region"]
    assert sum(count for _code, count in region.organisations) == 350
    assert region.children == 110_000
    country = SCALES["country"]
    assert sum(count for _code, count in country.organisations) == 12_000
    assert country.children == 2_000_000
    assert len(country.organisations) == len({code for code, _count in country.organisations})
    codes = [place.code for region_spec in cat.ALL_REGIONS for place in region_spec.places]
    assert len(codes) == len(set(codes))
    assert len(cat.DEMO_REGION_CODES) == len(cat.ALL_REGIONS)


def test_iin_serials_never_repeat_for_one_birth_date() -> None:
    allocator = IinAllocator()
    iins = [allocator.allocate(dt.date(2022, 2, 22), "F") for _ in range(5_000)]
    assert len(set(iins)) == 5_000
    assert all(parse_iin(iin).birth_date == dt.date(2022, 2, 22) for iin in iins)
