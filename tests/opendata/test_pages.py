"""The open data pages: figures, both protocols with filter forms and an error summary, the queue list with a
cohort selector, links to the downloads with the current filters; in Russian and in Kazakh."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kezek.opendata import selectors, views
from kezek.placement import services
from kezek.placement.models import Enrollment
from kezek.waitlist.models import Child
from tests.factories import GroupFactory, RegistryPersonFactory
from tests.factories import register_application as register
from tests.opendata.conftest import ALMATY, NOW, Region, at
from tests.opendata.helpers import body, in_city

pytestmark = pytest.mark.django_db
PAGES = ["/open-data/", "/open-data/publications/", "/open-data/directions/", "/open-data/queue/"]


def in_english(client: Client) -> Client:
    """Assertions on wording are made in the source language, whatever the catalogues say."""
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def html(client: Client, url: str, params: dict | None = None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200, url
    return body(response)


@pytest.mark.parametrize("url", PAGES)
def test_pages_render_in_russian_and_kazakh(region: Region, now: object, client: Client, url: str) -> None:
    in_city(client)
    page = html(client, url)
    assert '<html lang="ru">' in page
    assert "Усть-Каменогорск" in page
    client.post("/i18n/setlang/", {"language": "kk", "next": "/"})
    page = html(client, url)
    assert '<html lang="kk">' in page
    assert "Өскемен" in page


def test_footer_links_to_open_data(region: Region, client: Client) -> None:
    page = html(client, "/")
    for url in PAGES:
        assert f'href="{url}"' in page


def test_index_shows_the_figures(region: Region, now: object, client: Client) -> None:
    page = html(in_city(client), "/open-data/")
    figures = [part.split("</strong>")[0] for part in page.split("<dd><strong>")[1:]]
    assert figures == ["2", "3", "6", "2", "1"]
    assert "07.12.2026" in page
    assert 'href="/api/v1/open-data/oskemen/figures"' in page


def test_figures_of_the_chosen_locality(region: Region, now: object, client: Client) -> None:
    page = html(in_city(client, "ridder"), "/open-data/")
    assert "Риддер" in page
    assert [p.split("</strong>")[0] for p in page.split("<dd><strong>")[1:]] == [
        "1",
        "1",
        "0",
        "0",
        "0",
    ]  # its only direction is overdue: the seat reads free


def test_publications_page_and_filters(region: Region, now: object, client: Client) -> None:
    in_city(client)
    page = html(client, "/open-data/publications/")
    assert page.count('<li class="card">') == 3
    assert "Толағай" in page
    assert "07.12.2026 07:00" in page  # the departure's priority window ends at 07:00
    assert 'name="age" value="2-3"' in page  # the locality's age ranges are offered
    page = html(client, "/open-data/publications/", {"ownership": "private"})
    assert page.count('<li class="card">') == 1
    assert "Детский сад «Бөбек»" in page
    assert "Детский сад «Ақбота»" not in page
    assert 'value="private" id="id_ownership_1" checked' in page
    page = html(client, "/open-data/publications/", {"date_from": "07.12.2026"})  # the Russian way works too
    assert page.count('<li class="card">') == 0


def test_bad_filters_show_an_error_summary(region: Region, now: object, client: Client) -> None:
    in_city(client)
    page = html(
        client, "/open-data/publications/", {"date_from": "2026-12-31", "date_to": "2026-12-01", "age": "7-1"}
    )
    assert 'class="error-summary" role="alert"' in page
    assert 'href="#id_date_to"' in page
    assert 'href="#fieldset-age"' in page
    assert 'aria-invalid="true"' in page
    assert '<li class="card">' not in page
    page = html(client, "/open-data/directions/", {"language": "xx"})
    assert 'href="#fieldset-language"' in page
    assert '<li class="card">' not in page


def test_pager_and_downloads_keep_the_filters(
    region: Region, now: object, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    in_city(client)
    page = html(client, "/open-data/publications/", {"ownership": "state", "page": "1"})
    assert 'href="?ownership=state&amp;page=2"' in page
    assert 'href="/open-data/oskemen/publications.csv?ownership=state"' in page
    assert 'href="/open-data/oskemen/publications.json?ownership=state"' in page
    assert 'href="/api/v1/open-data/oskemen/publications?ownership=state"' in page
    page = html(client, "/open-data/directions/", {"language": ["kk", "ru"], "page": "2"})
    assert 'href="?language=kk&amp;language=ru&amp;page=1"' in page
    assert 'href="/open-data/oskemen/directions.csv?language=kk&amp;language=ru"' in page


def test_pages_warn_when_a_download_would_be_cut(
    region: Region, now: object, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "EXPORT_LIMIT", 2)
    in_english(in_city(client))
    assert "narrow the filters" in html(client, "/open-data/publications/")
    assert "narrow the filters" not in html(client, "/open-data/publications/", {"kind": "correctional"})


def test_directions_page(region: Region, now: object, client: Client) -> None:
    page = html(in_english(in_city(client)), "/open-data/directions/")
    assert page.count('<li class="card">') == 3
    assert f"No. {region.overdue.pk} of 27.11.2026 10:00 until 05.12.2026 00:00" in page
    assert f"Application No. {region.overdue.application_id}" in page
    assert "Enrolled outside the queue on 04.12.2026" in page
    assert page.count('class="mark"') == 1  # the staff child (P7)
    assert "from 2 to 3 years" in page
    page = html(client, "/open-data/directions/", {"language": "ru"})
    assert page.count('<li class="card">') == 1


def test_queue_page_with_cohort_selector(region: Region, now: object, client: Client) -> None:
    in_city(client)
    page = html(client, "/open-data/queue/")
    assert '<option value="2023"' in page
    assert '<option value="2024"' in page
    assert page.count("<tr><td>") == 1  # the first cohort (2023) by default
    page = html(client, "/open-data/queue/", {"cohort": "2024"})
    assert page.count("<tr><td>") == 5
    assert f"<tr><td>3</td><td>{region.queued[0].pk}</td>" in page
    assert 'href="/open-data/oskemen/queue/2024.csv"' in page
    assert 'href="/api/v1/open-data/oskemen/queue/2024"' in page
    page = html(client, "/open-data/queue/", {"cohort": "1999"})
    assert 'class="error-summary"' in page
    assert "<tr><td>" not in page


def test_queue_page_without_a_queue(region: Region, now: object, client: Client) -> None:
    page = html(in_city(client, "ridder"), "/open-data/queue/")
    assert "<table" not in page


def test_pages_without_localities(db: None, client: Client) -> None:
    for url in PAGES:
        assert client.get(url).status_code == 200


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        html(client, url)
    return len(context.captured_queries)


def test_pages_cost_the_same_queries_for_more_rows(region: Region, client: Client) -> None:
    """No N+1: more rows on a page cost no more queries."""
    in_city(client)
    urls = ("/open-data/publications/", "/open-data/directions/", "/open-data/queue/?cohort=2024")
    with at(NOW):
        before = [queries(client, url) for url in urls]
    assert before[2] <= 10  # locality, menu, cohorts, and one `queue_page` for the count and the rows
    with at(dt.datetime(2026, 12, 5, 10, 0, tzinfo=ALMATY)):
        group = GroupFactory.create(organisation=region.private_org, age_from=5, age_to=6, capacity=3)
        services.places_publish(group=group)
        in_groups = Enrollment.objects.filter(left_on__isnull=True).values("child_id")
        for child in Child.objects.exclude(pk__in=in_groups)[:3]:
            Enrollment.objects.create(
                group=group,
                child=child,
                staff_child=True,
                staff_reason="Приказ",
                enrolled_on=dt.date(2026, 12, 5),
            )
        for n in range(3):
            register(
                locality=region.city, child=RegistryPersonFactory.create(birth_date=dt.date(2024, 8, 1 + n))
            )
    with at(NOW):
        assert [queries(client, url) for url in urls] == before
        assert html(client, urls[2]).count("<tr><td>") == 8
