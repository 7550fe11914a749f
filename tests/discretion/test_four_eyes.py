"""D2: a cabinet moves to someone the register does not list as the child's parent only with the
approvals of two different staff members, both on the ledger."""

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from kezek.cabinet.models import AccessRequest
from kezek.cabinet.services import access_request_decide
from kezek.core.errors import Conflict
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import ledger_verify
from kezek.staff.models import Role
from kezek.waitlist.models import Application
from tests.factories import RegistryPersonFactory, basis, basis_form_data, register_application
from tests.staff.conftest import staff_client

from .test_basis import MONDAY, access_request

pytestmark = pytest.mark.django_db


def stranger_request(application: Application) -> AccessRequest:
    """A request by someone the register does not list as the child's parent (a grandmother, say)."""
    found = access_request(application)
    stranger = RegistryPersonFactory.create(adult=True)
    AccessRequest.objects.filter(pk=found.pk).update(requester_iin=stranger.iin, registry_parent=False)
    return AccessRequest.objects.get(pk=found.pk)


def test_a_stranger_needs_two_staff_members() -> None:
    application = register_application()
    previous = application.applicant_id
    found = stranger_request(application)
    first, second = User.objects.create(username="first"), User.objects.create(username="second")
    pending = access_request_decide(
        request=found, approve=True, by_staff=first, basis=basis("grandmother is guardian")
    )
    assert (pending.status, pending.first_approved_by_id) == ("pending", first.pk)
    assert Application.objects.get(pk=application.pk).applicant_id == previous  # nothing moved yet
    event = LedgerEvent.objects.get(kind="access_request.first_approved")
    assert (event.payload["by"], len(event.payload["basis_hash"])) == (first.pk, 64)
    with pytest.raises(Conflict) as refused:
        access_request_decide(
            request=found, approve=True, by_staff=first, basis=basis("approving once again")
        )
    assert refused.value.code == "second_approval_required"
    approved = access_request_decide(
        request=found, approve=True, by_staff=second, basis=basis("the guardianship order checked")
    )
    assert (approved.status, approved.decided_by_id) == ("approved", second.pk)
    assert Application.objects.get(pk=application.pk).applicant.iin == found.requester_iin
    final = LedgerEvent.objects.get(kind="access_request.approved")
    assert (final.payload["by"], final.payload["first_approved_by"]) == (second.pk, first.pk)
    assert final.payload["basis_hash"] != event.payload["basis_hash"]
    assert ledger_verify().ok


def test_a_parent_in_the_register_needs_one_and_a_rejection_needs_one() -> None:
    application = register_application()
    staff = User.objects.create(username="officer")
    parent = access_request_decide(
        request=access_request(application), approve=True, by_staff=staff, basis=basis()
    )
    assert parent.status == "approved"
    rejected = access_request_decide(
        request=stranger_request(register_application()),
        approve=False,
        by_staff=staff,
        basis=basis("no proof of guardianship"),
    )
    assert rejected.status == "rejected"


def test_the_database_refuses_one_person_approving_twice() -> None:
    found = stranger_request(register_application())
    staff = User.objects.create(username="officer")
    access_request_decide(request=found, approve=True, by_staff=staff, basis=basis("grandmother is guardian"))
    with pytest.raises(IntegrityError), transaction.atomic():
        AccessRequest.objects.filter(pk=found.pk).update(
            status="approved", decided_by=staff, decided_at=MONDAY
        )


def test_the_desk_asks_a_second_staff_member() -> None:
    application = register_application()
    found = stranger_request(application)
    locality = application.locality
    first = staff_client(Role.OPERATOR, locality=locality)
    second = staff_client(Role.DEPARTMENT_HEAD, locality=locality)
    url = f"/staff/access-requests/{found.pk}/"
    response = first.post(
        url, {"decision": "confirm", **basis_form_data("grandmother is guardian")}, follow=True
    )
    assert "другой сотрудник" in response.content.decode()  # "another staff member must approve too" (ru)
    assert AccessRequest.objects.get(pk=found.pk).status == "pending"
    assert "ожидает одобрения второго сотрудника" in first.get(url).content.decode()  # ru
    again = first.post(url, {"decision": "confirm", **basis_form_data("approving once again")})
    assert again.status_code == 409
    done = second.post(url, {"decision": "confirm", **basis_form_data("the guardianship order checked")})
    assert done.status_code == 302
    assert AccessRequest.objects.get(pk=found.pk).status == "approved"
    assert Application.objects.get(pk=application.pk).applicant.iin == found.requester_iin
