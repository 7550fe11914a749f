"""The public form of ledger events (issue 17, item 1): every kind the code writes has its whitelist entry,
and no form carries a person's IIN, name, phone or birth date (O5)."""

import json
import re

import pytest

from kezek.demo.queue import EVENT_KINDS
from kezek.ledger.models import LedgerEvent
from kezek.registry.models import RegistryPerson
from kezek.translog.public import PUBLIC_KEYS, public_form, public_time
from kezek.waitlist.models import Applicant, Application, Child
from tests.integrity.test_replay_coverage import DYNAMIC, _written_kinds

from .conftest import World

# What the log has published for these kinds since version 1: changing it would change signed leaves.
FROZEN = {
    "application.registered": (
        "number", "status", "tier", "cohort", "ordinal", "registered_at", "valid_until",
    ),
    "application.extended": ("number", "status", "tier", "valid_until"),
    "benefit.decided": (
        "number", "status", "tier", "decision", "document_sha256", "basis_hash", "basis_document_number",
    ),
    "direction.issued": (
        "group", "organisation", "application", "place", "publication", "by_right_of", "state", "valid_until",
    ),
}  # fmt: skip
# Keys added since, at the end: only the events written since carry them, so no signed leaf changes (an
# older event's form has no such key). Never add a key that events already in the ledger hold.
ADDED = {
    "application.registered": ("birth_commitment",),  # issue 17: the salted commitment to the birth date
}


def test_every_written_kind_has_a_public_entry() -> None:
    literal, dynamic = _written_kinds()
    assert len(literal) > 30  # the scan finds the writers
    assert literal - PUBLIC_KEYS.keys() == set(), "add the kind to kezek.translog.public.PUBLIC_KEYS"
    for prefix in dynamic:
        assert {prefix + value for value in DYNAMIC[prefix]} <= PUBLIC_KEYS.keys()
    assert set(EVENT_KINDS) <= PUBLIC_KEYS.keys()


def test_the_public_form_of_a_kind_never_changes() -> None:
    assert {kind: PUBLIC_KEYS[kind] for kind in FROZEN} == {
        kind: keys + ADDED.get(kind, ()) for kind, keys in FROZEN.items()
    }


def test_public_time_is_utc_with_milliseconds() -> None:
    import datetime as dt

    moment = dt.datetime(2026, 12, 7, 10, 0, 1, 123999, tzinfo=dt.timezone(dt.timedelta(hours=5)))
    assert public_time(moment) == "2026-12-07T05:00:01.123Z"


@pytest.mark.django_db
def test_no_public_form_names_a_person(world: World) -> None:
    forms = [public_form(event).decode() for event in LedgerEvent.objects.order_by("seq")]
    kinds = {json.loads(form)["kind"] for form in forms}
    assert len(forms) > 40
    assert len(kinds) > 20, kinds
    secrets: set[str] = set()
    for person in RegistryPerson.objects.all():
        secrets |= {person.iin, person.last_name, person.first_name, person.birth_date.isoformat()}
        secrets.add(person.birth_date.strftime("%d.%m.%Y"))
    for applicant in Applicant.objects.all():
        secrets |= {applicant.phone, applicant.phone_alt, applicant.phone.lstrip("+"), str(applicant.pk)}
    for child in Child.objects.all():
        secrets |= {child.iin, child.first_name, child.last_name}
    for application in Application.objects.all():
        secrets.add(application.address)
    secrets.discard("")
    text = "\n".join(forms)
    leaked = {secret for secret in secrets if len(secret) >= 3 and secret in text}
    assert leaked - {str(a.pk) for a in Applicant.objects.all()} == set()
    # Applicant ids: no form carries the key that holds them.
    private = re.compile(r'"(applicant|child|staff|previous|document)":|"by":\d')
    assert [form for form in forms if private.search(form)] == []


@pytest.mark.django_db
def test_the_form_is_canonical_json(world: World) -> None:
    event = LedgerEvent.objects.filter(kind="application.registered").first()
    assert event is not None
    form = public_form(event)
    parsed = json.loads(form)
    assert form == json.dumps(parsed, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert (parsed["v"], parsed["seq"]) == (1, event.seq)
    assert parsed["occurred_at"].endswith("Z")
    assert set(parsed["data"]) == set(PUBLIC_KEYS["application.registered"])
    assert {"applicant", "child"} <= event.payload.keys()
