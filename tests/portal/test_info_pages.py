"""The FAQ and "how places are distributed": rendered for a locality from the settings in force, and
changed when a setting changes (through the same services the staff use, which write the ledger)."""

import re

import pytest
from django.test import Client

from kezek.facilities.models import Locality
from kezek.placement.services import placement_settings_update
from kezek.portal import selectors
from kezek.waitlist.models import BenefitCategory, Tier
from kezek.waitlist.services import queue_settings_update
from tests.factories import LocalityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def city() -> Locality:
    return LocalityFactory.create(code="oskemen", name_ru="Усть-Каменогорск", name_kk="Өскемен")


@pytest.fixture
def en(client: Client) -> Client:
    client.cookies["kezek_language"] = "en"
    return client


def _text(html: str) -> str:
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def _how(client: Client, locality: Locality | None = None) -> str:
    if locality is not None:
        client.cookies["kezek_locality"] = locality.code
    response = client.get("/how-places-are-distributed/")
    assert response.status_code == 200
    return response.content.decode()


def test_faq_uses_details_and_summary(en: Client, city: Locality) -> None:
    response = en.get("/faq/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Frequently asked questions — Kezek</title>" in html
    assert html.count("<details") >= 15
    assert html.count("<details") == html.count("<summary>")
    assert "<script" not in html
    text = _text(html)
    for question in (
        "How do I register a personal cabinet?",
        "What is the personal cabinet for?",
        "I forgot the password of the personal cabinet",
        "How do I check my child's position in the queue?",
        "How do I get a direction?",
        "Which applications need confirming?",
        "I did not confirm in time. What now?",
    ):
        assert question in text
    assert "You do not need to register anywhere." in text
    assert "2 full years by 31 December" in text
    assert "1424" in text
    assert 'href="/how-places-are-distributed/"' in html
    assert 'href="/feedback/corruption/"' in html
    assert 'href="/cabinet/password/forgot/"' in html  # the cabinet's pages, where the answer points
    assert 'href="/queue/check/"' in html


def test_faq_numbers_follow_the_settings(en: Client, city: Locality) -> None:
    en.cookies["kezek_locality"] = city.code
    assert "5 working days." in _text(en.get("/faq/").content.decode())
    placement_settings_update(locality=city, direction_working_days=3)
    assert "3 working days." in _text(en.get("/faq/").content.decode())


def test_faq_in_russian_by_default(client: Client, city: Locality) -> None:
    html = client.get("/faq/").content.decode()
    assert '<html lang="ru">' in html


def test_how_shows_the_defaults(en: Client, city: Locality) -> None:
    html = _how(en, city)
    text = _text(html)
    assert "How places are distributed: Усть-Каменогорск" in text
    assert re.search(r'id="setting-ratio">1 : 3 <span class="meta">\(the default\)', html)
    assert "then 3 general ones" in text
    assert "1 calendar day, until 7:00 local time" in text
    assert "priority window, then general access" in text
    assert "the day the direction is issued" in text
    assert "5 working days" in text
    assert "30 calendar days" in text
    assert "10 working days" in text
    assert "the defaults apply" in text
    for name in ("opendata:index", "opendata:publications", "opendata:directions"):
        path = {
            "opendata:index": "/open-data/",
            "opendata:publications": "/open-data/publications/",
            "opendata:directions": "/open-data/directions/",
        }[name]
        assert f'href="{path}"' in html
    # The example order: P then three G's, twice.
    pattern = re.search(r'<ol class="pattern".*?</ol>', html, re.S)
    assert pattern is not None
    assert re.findall(r'class="pattern-(p|g)"', pattern.group(0)) == ["p", "g", "g", "g"] * 2


def test_how_reflects_a_changed_ratio(en: Client, city: Locality) -> None:
    queue_settings_update(locality=city, priority_ratio=5)
    html = _how(en, city)
    assert re.search(r'id="setting-ratio">1 : 5</dd>', html)  # no longer "the default"
    assert "then 5 general ones" in _text(html)
    assert selectors.rules_in_force(locality=city).example_order == ["P", "G", "G", "G", "G", "G"] * 2


def test_how_reflects_changed_placement_settings(en: Client, city: Locality) -> None:
    placement_settings_update(
        locality=city,
        distribution_policy="offer",
        priority_days=2,
        priority_hour=9,
        age_reference="september_1",
        direction_working_days=7,
        direction_max_days=45,
    )
    text = _text(_how(en, city))
    assert "2 calendar days, until 9:00 local time" in text
    assert "offer to the first in line" in text
    assert "Offer: each free place is offered to the first application" in text
    assert "General access: after that" not in text
    assert "1 September of the academic year" in text
    assert "7 working days" in text
    assert "45 calendar days" in text
    assert "the defaults apply" not in text


def test_how_for_another_locality_and_its_own_categories(en: Client, city: Locality) -> None:
    other = LocalityFactory.create(code="ridder", name_ru="Риддер", name_kk="Риддер")
    queue_settings_update(locality=other, priority_ratio=2)
    BenefitCategory.objects.create(
        locality=other,
        code="ridder_miners",
        tier=Tier.FIRST_PRIORITY,
        name_ru="Дети шахтёров",
        name_kk="Кеншілердің балалары",
        name_en="Children of miners",
    )
    BenefitCategory.objects.filter(locality__isnull=True, tier=Tier.EXTRAORDINARY).update(is_active=False)

    mine = _text(_how(en, city))
    assert "Children of miners" not in mine
    assert "1 : 3" in mine

    response = en.get("/how-places-are-distributed/", {"locality": "ridder"})
    text = _text(response.content.decode())
    assert "How places are distributed: Риддер" in text
    assert "1 : 2" in text
    assert "Children of miners" in text
    assert "No categories are set up in this location." in text  # extraordinary ones deactivated
    assert en.get("/how-places-are-distributed/", {"locality": "atlantis"}).status_code == 404


def test_how_follows_the_visitors_location(en: Client, city: Locality) -> None:
    other = LocalityFactory.create(code="ridder", name_ru="Риддер", name_kk="Риддер")
    en.post("/location/", {"locality": "ridder", "next": "/how-places-are-distributed/"})
    assert "How places are distributed: Риддер" in _text(_how(en))
    assert other.code == "ridder"


def test_pages_without_localities(en: Client) -> None:
    assert "No localities have been set up yet." in _text(_how(en))
    assert en.get("/faq/").status_code == 200
