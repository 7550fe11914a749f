"""O5: every open data page, API answer and download shows application numbers and at most initials — never
an IIN, a full name, a phone, an email or an address of a person — in Russian and in Kazakh."""

import re

import pytest
from django.test import Client

from tests.opendata.conftest import Region
from tests.opendata.helpers import API, body, in_city

pytestmark = pytest.mark.django_db

PAGES = [
    "/open-data/",
    "/open-data/publications/",
    "/open-data/directions/",
    "/open-data/directions/?language=kk&age=2-3",
    "/open-data/queue/",
    "/open-data/queue/?cohort=2024",
    "/open-data/groups/",
    "/open-data/decisions/",
]
API_URLS = [
    f"{API}/oskemen/figures",
    f"{API}/oskemen/publications",
    f"{API}/oskemen/directions",
    f"{API}/oskemen/queue",
    f"{API}/oskemen/queue/2023",
    f"{API}/oskemen/queue/2024",
    f"{API}/oskemen/groups",
    f"{API}/oskemen/decisions",
    f"{API}/ridder/directions",
    f"{API}/ridder/queue/2024",
]
DOWNLOADS = [
    f"/open-data/{city}/{name}.{fmt}"
    for city in ("oskemen", "ridder")
    for name in ("publications", "directions", "queue/2023", "queue/2024", "groups", "decisions")
    for fmt in ("csv", "json")
]


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_no_personal_data_anywhere(region: Region, now: object, client: Client, language: str) -> None:
    assert len(region.personal) > 50  # children's and applicants' IINs, names, phones, emails, addresses
    in_city(client)
    client.post("/i18n/setlang/", {"language": language, "next": "/"})
    seen = {}
    for url in PAGES + API_URLS + DOWNLOADS:
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = body(response)
    leaks = [(url, value) for url, text in seen.items() for value in region.personal if value in text]
    assert not leaks, leaks
    # Nothing that looks like an IIN or a phone number either, whatever its source.
    for url, text in seen.items():
        assert not re.search(r"(?<!\d)\d{12}(?!\d)", text), url
        assert not re.search(r"\+7\s?7\d{2}", text), url
    # What is shown instead: application numbers and initials.
    queue = seen["/open-data/queue/?cohort=2024"]
    assert f"<td>{region.queued[0].pk}</td>" in queue
    assert re.search(r"<td>[А-ЯӘҒҚҢӨҰҮҺІЁ]\.[А-ЯӘҒҚҢӨҰҮҺІЁ]\.</td>", queue)
    assert str(region.overdue.application_id) in seen[f"{API}/oskemen/directions"]


def test_queue_initials_are_at_most_two_letters(region: Region, now: object, client: Client) -> None:
    body_text = body(client.get(f"{API}/oskemen/queue/2024"))
    initials = re.findall(r'"initials": "([^"]*)"', body_text)
    assert len(initials) == 5
    assert all(re.fullmatch(r"(\w\.){1,2}", value) for value in initials), initials
