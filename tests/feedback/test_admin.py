"""The staff's view of the messages: phones and names masked in the list, answers written through the
service (who and when), nothing added or deleted by hand."""

import pytest
from django.test import Client
from django.utils import timezone

from kezek.feedback.models import Feedback, Status
from kezek.staff.models import Role
from tests.factories import LocalityFactory, OrganisationFactory, staff_login, staff_user

pytestmark = pytest.mark.django_db

PHONE = "+77019876543"
NAME = "Құпиялов Бекзатбек Ерланұлы"


@pytest.fixture
def staff_client(client: Client) -> Client:
    staff_login(client, staff_user(role=Role.ADMINISTRATOR, username="chief"))
    client.cookies["kezek_language"] = "en"
    return client


@pytest.fixture
def feedback() -> Feedback:
    org = OrganisationFactory.create()
    now = timezone.now()
    return Feedback.objects.create(
        kind="organisation",
        locality=org.locality,
        organisation=org,
        text="Текст жалобы",
        contact_name=NAME,
        phone=PHONE,
        created_at=now,
        updated_at=now,
    )


def test_list_masks_phones_and_names(staff_client: Client, feedback: Feedback) -> None:
    anonymous = Feedback.objects.create(
        kind="corruption",
        locality=LocalityFactory.create(),
        text="Аноним",
        created_at=timezone.now(),
        updated_at=timezone.now(),
    )
    response = staff_client.get("/admin/feedback/feedback/")
    html = response.content.decode()
    assert response.status_code == 200
    assert feedback.reference in html
    assert anonymous.reference in html
    assert "+7 701 *** ** 43" in html
    assert PHONE not in html
    assert "9876543" not in html
    assert "Құпиялов Б. Е." in html
    assert "Бекзатбек" not in html
    assert "anonymous" in html
    # Searching by the reference finds it.
    assert (
        feedback.reference
        in staff_client.get("/admin/feedback/feedback/", {"q": feedback.reference}).content.decode()
    )


def test_answer_through_the_admin(staff_client: Client, feedback: Feedback) -> None:
    url = f"/admin/feedback/feedback/{feedback.pk}/change/"
    page = staff_client.get(url)
    assert page.status_code == 200
    assert PHONE in page.content.decode()  # the staff may call back from the record itself
    refused = staff_client.post(url, {"status": "answered", "answer": ""})
    assert refused.status_code == 200
    assert "Write the answer." in refused.content.decode()
    feedback.refresh_from_db()
    assert feedback.status == Status.NEW
    done = staff_client.post(url, {"status": "answered", "answer": "Мы проверили сад."})
    assert done.status_code == 302
    feedback.refresh_from_db()
    assert feedback.status == Status.ANSWERED
    assert feedback.answer == "Мы проверили сад."
    assert feedback.answered_by is not None
    assert feedback.answered_by.username == "chief"
    assert feedback.answered_at is not None
    assert feedback.phone == PHONE
    assert feedback.contact_name == NAME


def test_no_adding_or_deleting_by_hand(staff_client: Client, feedback: Feedback) -> None:
    assert staff_client.get("/admin/feedback/feedback/add/").status_code == 403
    assert staff_client.get(f"/admin/feedback/feedback/{feedback.pk}/delete/").status_code == 403
