"""D1: every discretionary staff act needs its basis (document number, date, a reason in words); the
basis is kept for staff, its SHA-256 and document number are on the act's ledger event."""

import datetime as dt
import hashlib
import json

import pytest
import time_machine
from django.contrib.auth.models import User

from kezek.cabinet.models import AccessRequest
from kezek.cabinet.services import access_request_decide
from kezek.core.errors import Conflict, ValidationFailed
from kezek.discretion.basis import Basis, reason_is_written
from kezek.discretion.models import DiscretionBasis
from kezek.facilities.models import Group
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.placement import services as placement
from kezek.registry.models import RegistryPerson
from kezek.waitlist import services as waitlist
from kezek.waitlist.models import Application, BenefitClaim
from tests.factories import (
    GroupFactory,
    RegistryKinshipFactory,
    RegistryPersonFactory,
    basis,
    register_application,
)
from tests.factories.waitlist import next_phone

pytestmark = pytest.mark.django_db
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("the parent's written request", True),
        ("заявление родителя от декабря", True),
        ("ата-ананың жазбаша өтініші", True),
        ("..........", False),
        ("aaaa bbbb cccc", False),  # one letter repeated is no word
        ("ok ok ok ok", False),  # three different words
        ("a b c d e", False),  # words of two letters at least
        ("12 34 56 78", False),
        ("request No. 5", False),  # "No" and "request": two words
        ("", False),
    ],
)
def test_a_reason_is_three_different_words(text: str, written: bool) -> None:
    assert reason_is_written(text) is written


@time_machine.travel(MONDAY, tick=False)
def test_a_basis_needs_a_number_a_past_date_and_words() -> None:
    good = basis()
    assert good.checked() == good
    for bad, code in [
        (basis(document_number="  "), "basis_number"),
        (basis(document_number="--"), "basis_number"),
        (basis(document_date=None), "basis_date"),
        (basis(document_date=dt.date(2026, 12, 8)), "basis_date"),
        (basis(reason=".........."), "basis_reason"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            bad.checked()
        assert refused.value.code == code
    spaced = Basis(document_number=" No.  7 ", document_date=dt.date(2026, 12, 1), reason=" in plain words ")
    assert spaced.checked() == Basis("No. 7", dt.date(2026, 12, 1), "in plain words")


def _cited(
    kind: str, subject_id: object, *, reason_on_ledger: bool = False
) -> tuple[LedgerEvent, DiscretionBasis]:
    """The act's ledger event and its kept basis, and that the event carries the basis's hash (and not
    the reason, but for a staff child's event, whose `reason` field predates D1)."""
    event = LedgerEvent.objects.filter(kind=kind, subject_id=str(subject_id)).latest("seq")
    kept = DiscretionBasis.objects.get(event_kind=kind, subject_id=str(subject_id))
    canonical = json.dumps(
        {
            "document_date": kept.document_date.isoformat(),
            "document_number": kept.document_number,
            "reason": kept.reason,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert kept.sha256 == hashlib.sha256(canonical.encode()).hexdigest()
    assert event.payload["basis_hash"] == kept.sha256
    assert event.payload["basis_document_number"] == kept.document_number
    assert (kept.reason in json.dumps(event.payload, ensure_ascii=False)) is reason_on_ledger
    return event, kept


@pytest.fixture
def staff() -> User:
    return User.objects.create(username="officer", is_staff=True)


def test_manual_stop_list_and_staff_restore_need_a_basis(staff: User) -> None:
    application = register_application()
    with pytest.raises(ValidationFailed) as refused:
        waitlist.application_stop_list(application=application, reason="manual", by_staff=staff)
    assert refused.value.code == "basis_required"
    with pytest.raises(ValidationFailed):
        waitlist.application_stop_list(
            application=application, reason="manual", basis=basis(".........."), by_staff=staff
        )
    assert Application.objects.get(pk=application.pk).status == "queued"
    assert not DiscretionBasis.objects.exists()
    waitlist.application_stop_list(
        application=application,
        reason="manual",
        basis=basis("two registrations of one child"),
        by_staff=staff,
    )
    _event, kept = _cited("application.stop_listed", application.pk)
    assert kept.recorded_by == staff
    with pytest.raises(ValidationFailed):
        waitlist.application_restore(application=application, by_staff=staff)
    assert Application.objects.get(pk=application.pk).status == "stop_listed"
    waitlist.application_restore(
        application=application, by_staff=staff, basis=basis("the duplicate was withdrawn")
    )
    _cited("application.restored", application.pk)
    assert ledger_verify().ok


def test_withdrawal_by_staff_needs_a_basis(staff: User) -> None:
    application = register_application()
    with pytest.raises(ValidationFailed):
        waitlist.application_withdraw(application=application, by_staff=staff, basis=basis("x y z"))
    waitlist.application_withdraw(application=application, by_staff=staff, basis=basis())
    assert Application.objects.get(pk=application.pk).status_reason == basis().reason
    _cited("application.withdrawn", application.pk)


@pytest.mark.parametrize("confirm", [True, False])
def test_benefit_decisions_need_a_basis(staff: User, confirm: bool) -> None:
    application = register_application(tier="extraordinary")
    claim = BenefitClaim.objects.get(application=application)
    with pytest.raises(ValidationFailed):
        waitlist.benefit_claim_decide(claim=claim, confirm=confirm, by_staff=staff)
    assert BenefitClaim.objects.get(pk=claim.pk).status == "pending"
    waitlist.benefit_claim_decide(
        claim=claim, confirm=confirm, by_staff=staff, basis=basis("checked with the ministry")
    )
    _event, kept = _cited("benefit.decided", application.pk)
    if not confirm:  # the stop-listing of the rejection cites the same basis
        stopped = LedgerEvent.objects.get(kind="application.stop_listed", subject_id=str(application.pk))
        assert stopped.payload["basis_hash"] == kept.sha256
        assert DiscretionBasis.objects.count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_a_staff_child_needs_a_basis() -> None:
    group: Group = GroupFactory.create(capacity=1, age_from=2, age_to=3)
    child = RegistryPersonFactory.create(birth_date=dt.date(2024, 6, 1))
    head = User.objects.create(username="head")
    with pytest.raises(ValidationFailed):
        placement.enrollment_staff_child(group=group, child_iin=child.iin, by_staff=head, basis=basis("...."))
    enrollment = placement.enrollment_staff_child(
        group=group, child_iin=child.iin, by_staff=head, basis=basis("the head's order, teacher's son")
    )
    _cited("enrollment.staff_child", enrollment.pk, reason_on_ledger=True)


def access_request(application: Application) -> AccessRequest:
    parent = RegistryPersonFactory.create(adult=True)
    RegistryKinshipFactory.create(parent=parent, child=RegistryPerson.objects.get(iin=application.child.iin))
    return AccessRequest.objects.create(
        child=application.child,
        requester_iin=parent.iin,
        phone=next_phone(),
        phone_alt=next_phone(),
        language="ru",
        document="access_requests/proof.pdf",
        explanation="I am the mother of the child",
        registry_parent=True,
        created_at=MONDAY,
    )


@pytest.mark.parametrize("approve", [True, False])
def test_access_decisions_need_a_basis(staff: User, approve: bool) -> None:
    found = access_request(register_application())
    with pytest.raises(ValidationFailed):
        access_request_decide(request=found, approve=approve, by_staff=staff, basis=basis("ok ok ok"))
    assert AccessRequest.objects.get(pk=found.pk).status == "pending"
    access_request_decide(
        request=found, approve=approve, by_staff=staff, basis=basis("the birth certificate shown")
    )
    _cited(f"access_request.{'approved' if approve else 'rejected'}", found.pk)


def test_a_confirmation_records_the_certificates_sha256(staff: User) -> None:
    """Q5, D1: the confirmed certificate's SHA-256 is on the ledger."""
    application = register_application(tier="extraordinary")
    claim = BenefitClaim.objects.get(application=application)
    with claim.document.open("rb") as stored:
        expected = hashlib.sha256(stored.read()).hexdigest()
    waitlist.benefit_claim_decide(claim=claim, confirm=True, by_staff=staff, basis=basis())
    event = LedgerEvent.objects.get(kind="benefit.decided", subject_id=str(application.pk))
    assert event.payload["document_sha256"] == expected


def test_a_claim_without_its_certificate_cannot_be_confirmed(staff: User) -> None:
    """Q5, D1: the stored certificate is gone (the database itself requires its name)."""
    application = register_application(tier="extraordinary")
    claim = BenefitClaim.objects.get(application=application)
    claim.document.storage.delete(claim.document.name)
    claim = BenefitClaim.objects.get(pk=claim.pk)
    with pytest.raises(Conflict) as refused:
        waitlist.benefit_claim_decide(claim=claim, confirm=True, by_staff=staff, basis=basis())
    assert refused.value.code == "document_missing"
    assert BenefitClaim.objects.get(pk=claim.pk).status == "pending"
    assert not LedgerEvent.objects.filter(kind="benefit.decided").exists()
    # A rejection needs no certificate.
    waitlist.benefit_claim_decide(
        claim=claim, confirm=False, by_staff=staff, basis=basis("no certificate was kept")
    )
