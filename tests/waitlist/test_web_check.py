"""The "Check the queue" page: the IIN is posted (never in a URL), only that IIN's applications are shown,
errors are translated, and the page is rate-limited per client like the API."""

from typing import Any

import pytest
from django.test import Client

from kezek.waitlist.models import Application
from tests.factories import LocalityFactory, RegistryPersonFactory, register_application

pytestmark = pytest.mark.django_db
CHECK = "/queue/check/"


def text(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def english(client: Client) -> Client:
    client.cookies["kezek_language"] = "en"
    return client


def test_the_form_has_a_label(english: Client) -> None:
    page = english.get(CHECK)
    assert page.status_code == 200
    assert '<label for="id_iin">' in text(page)
    assert 'method="post"' in text(page)


def test_shows_only_this_iins_applications(english: Client) -> None:
    locality = LocalityFactory.create(code="oskemen", name_ru="Усть-Каменогорск", name_kk="Өскемен")
    mine = register_application(locality=locality)
    other = register_application(locality=locality)
    response = english.post(CHECK, {"iin": mine.child.iin})
    assert response.status_code == 200
    page = text(response)
    assert f"Application No. {mine.pk}" in page
    assert f"Application No. {other.pk}" not in page
    assert "Усть-Каменогорск" in page
    assert str(mine.cohort) in page
    assert "general queue" in page
    assert "in the queue" in page
    assert mine.child.last_name not in page
    assert other.child.iin not in page
    by_applicant = text(english.post(CHECK, {"iin": mine.applicant.iin}))
    assert f"Application No. {mine.pk}" in by_applicant
    assert f"Application No. {other.pk}" not in by_applicant


def test_position_n_of_m(english: Client) -> None:
    locality = LocalityFactory.create()
    child = RegistryPersonFactory.create()
    first = register_application(locality=locality, child=child)
    second = register_application(
        locality=locality, child=RegistryPersonFactory.create(birth_date=child.birth_date)
    )
    assert first.cohort == second.cohort
    page = text(english.post(CHECK, {"iin": second.child.iin}))
    assert '<dd class="position">2 of 2</dd>' in page


def test_no_position_says_why(english: Client) -> None:
    application = register_application()
    Application.objects.filter(pk=application.pk).update(status="enrolled")
    page = text(english.post(CHECK, {"iin": application.child.iin}))
    assert "Enrolled in a kindergarten." in page
    assert " of " not in page.split('class="position">')[1][:20]


def test_no_applications(english: Client) -> None:
    person = RegistryPersonFactory.create()
    response = english.post(CHECK, {"iin": person.iin})
    assert response.status_code == 200
    assert "No applications were found for this IIN." in text(response)


@pytest.mark.parametrize("iin", ["111111111111", "12345", ""])
def test_bad_iin_is_422_with_a_message(english: Client, iin: str) -> None:
    response = english.post(CHECK, {"iin": iin})
    assert response.status_code == 422
    assert 'class="error-summary"' in text(response)
    assert 'id="check-results"' not in text(response)


def test_error_is_translated(client: Client) -> None:
    client.cookies["kezek_language"] = "ru"
    response = client.post(CHECK, {"iin": "111111111111"})
    assert response.status_code == 422
    assert "The IIN is not valid" not in text(response)
    assert "ИИН" in text(response)


def test_the_iin_is_never_in_the_url(english: Client) -> None:
    application = register_application()
    response = english.post(CHECK, {"iin": application.child.iin}, follow=True)
    assert response.redirect_chain == []
    assert 'action="/queue/check/"' in text(response)
    assert english.get(CHECK + "?iin=" + application.child.iin).status_code == 200  # ignored
    assert f"Application No. {application.pk}" not in text(
        english.get(CHECK + "?iin=" + application.child.iin)
    )


def test_throttled_per_client_like_the_api(english: Client, settings: object) -> None:
    statuses = [
        english.post(CHECK, {"iin": "111111111111"}, REMOTE_ADDR="10.9.8.7").status_code for _ in range(61)
    ]
    assert statuses[:60] == [422] * 60
    assert statuses[60] == 429
    response = english.post(CHECK, {"iin": "111111111111"}, REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 429
    assert "Too many checks from your network" in text(response)
    assert english.post(CHECK, {"iin": "111111111111"}, REMOTE_ADDR="10.9.8.6").status_code == 422
