"""Downloads: CSV (UTF-8 with BOM, streamed) and JSON (the API's rows, streamed) of both protocols and the
queue lists, with the same filters as the pages and the API, capped with a clear message."""

import csv
import io
import json

import pytest
from django.test import Client

from kezek.facilities.models import Organisation
from kezek.opendata import selectors
from tests.opendata.conftest import Region
from tests.opendata.helpers import API, body, get_json

pytestmark = pytest.mark.django_db


def rows(response) -> list[list[str]]:
    text = body(response)
    assert text.startswith("\ufeff"), "a BOM, so Excel reads the file as UTF-8"
    return list(csv.reader(io.StringIO(text[1:])))


def test_publications_csv(region: Region, now: object, client: Client) -> None:
    response = client.get("/open-data/oskemen/publications.csv")
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="kezek-oskemen-publications-2026-12-07.csv"'
    )
    assert (response["X-Total-Count"], response["X-Export-Truncated"]) == ("3", "false")
    header, *data = rows(response)
    assert len(header) == 12
    assert [r[0] for r in data] == [
        str(p.pk) for p in (region.departure, region.correctional_publication, region.first)
    ]
    departure = data[0]
    assert departure[1] == "2026-12-06 09:00"  # local time (Asia/Almaty)
    assert departure[2] == "Детский сад «Ақбота»"
    assert departure[4] == region.state_org.address
    assert (departure[5], departure[6], departure[9], departure[10]) == (
        "Құныуақ",
        "2–3",
        "1",
        "2026-12-07 07:00",
    )


def test_csv_applies_the_filters(region: Region, now: object, client: Client) -> None:
    response = client.get("/open-data/oskemen/publications.csv", {"ownership": "private"})
    assert [r[0] for r in rows(response)[1:]] == [str(region.correctional_publication.pk)]
    response = client.get("/open-data/oskemen/directions.csv", {"language": "kk", "age": "2-3"})
    assert [r[0] for r in rows(response)[1:]] == [str(region.overdue.pk), str(region.enrolled.pk)]


def test_directions_csv(region: Region, now: object, client: Client) -> None:
    response = client.get("/open-data/oskemen/directions.csv")
    assert response["Content-Disposition"] == 'attachment; filename="kezek-oskemen-directions-2026-12-07.csv"'
    header, staff, overdue, enrolled = rows(response)
    assert len(header) == 10
    assert staff[:5] == ["", "", "", "", "2026-12-04"]  # no direction, no number: enrolled outside the queue
    assert overdue[:4] == [
        str(region.overdue.pk),
        str(region.overdue.application_id),
        "2026-11-27 10:00",
        "2026-12-05 00:00",
    ]
    assert staff[-1] != overdue[-1]  # the staff-child mark: yes / no
    assert enrolled[4] == "2026-12-03"


def test_queue_csv(region: Region, now: object, client: Client) -> None:
    response = client.get("/open-data/oskemen/queue/2024.csv")
    assert response["Content-Disposition"] == 'attachment; filename="kezek-oskemen-queue-2024-2026-12-07.csv"'
    header, *data = rows(response)
    assert len(header) == 5
    assert [r[0] for r in data] == ["1", "2", "3", "4", "5"]
    assert [r[1] for r in data][2:] == [str(a.pk) for a in region.queued[:3]]
    assert data[2][3] == "2026-11-02 09:00"


@pytest.mark.parametrize(
    ("url", "api"),
    [
        ("/open-data/oskemen/publications.json?age=2-3", f"{API}/oskemen/publications?age=2-3"),
        ("/open-data/oskemen/directions.json?language=kk", f"{API}/oskemen/directions?language=kk"),
        ("/open-data/oskemen/queue/2024.json", f"{API}/oskemen/queue/2024"),
    ],
)
def test_json_download_is_the_api_rows_in_full(
    region: Region, now: object, client: Client, url: str, api: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="kezek-oskemen-')
    document = json.loads(body(response))
    paged = get_json(client, api)
    assert document["items"] == paged["items"]
    assert document["count"] == paged["count"]
    assert (document["locality"], document["truncated"], document["detail"]) == ("oskemen", False, None)
    assert document["limit"] == selectors.EXPORT_LIMIT
    assert document["generated_at"].startswith("2026-12-07T10:00:00")


def test_json_download_echoes_the_filters(region: Region, now: object, client: Client) -> None:
    response = client.get(
        "/open-data/oskemen/publications.json", {"ownership": ["state", "private"], "kind": "general"}
    )
    document = json.loads(body(response))
    assert document["filters"] == {"kind": ["general"], "ownership": ["state", "private"]}
    assert document["list"] == "publications"
    assert document["count"] == 2


@pytest.mark.parametrize("name", ["publications", "directions", "queue/2024"])
def test_download_is_capped_and_says_so(
    region: Region, now: object, client: Client, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(selectors, "EXPORT_LIMIT", 2)
    response = client.get(f"/open-data/oskemen/{name}.csv")
    assert (response["X-Export-Truncated"], response["X-Export-Limit"]) == ("true", "2")
    assert int(response["X-Total-Count"]) > 2
    assert len(rows(response)) == 1 + 2
    document = json.loads(body(client.get(f"/open-data/oskemen/{name}.json")))
    assert document["truncated"] is True
    assert len(document["items"]) == 2
    assert document["count"] > 2
    assert "2" in document["detail"]
    assert str(document["count"]) in document["detail"]


def test_bad_filters_are_refused_with_422(region: Region, client: Client) -> None:
    for url, params in [
        ("/open-data/oskemen/publications.csv", {"date_from": "2026-12-05", "date_to": "2026-12-01"}),
        ("/open-data/oskemen/publications.json", {"age": "6-2"}),
        ("/open-data/oskemen/publications.csv", {"ownership": "municipal"}),
        ("/open-data/oskemen/publications.csv", {"date_from": "1900-01-01"}),
        ("/open-data/oskemen/directions.csv", {"language": "xx"}),
        ("/open-data/oskemen/directions.json", {"age": "a-b"}),
    ]:
        response = client.get(url, params)
        assert response.status_code == 422, (url, params)
        assert response.json()["code"] == "invalid"
        assert response.json()["detail"][0]["loc"][0] == "query"
    # A NUL is refused before any view (kezek.core.middleware), in the same shape.
    response = client.get("/open-data/oskemen/directions.json", {"organisation": "a\x00b"})
    assert (response.status_code, response.json()["code"]) == (422, "invalid")
    response = client.get("/open-data/oskemen/queue/1999.csv")
    assert (response.status_code, response.json()["code"]) == (422, "cohort_invalid")


def test_unknown_locality_and_format_are_404(region: Region, client: Client) -> None:
    for url in (
        "/open-data/atlantis/publications.csv",
        "/open-data/atlantis/directions.json",
        "/open-data/atlantis/queue/2024.csv",
        "/open-data/oskemen/publications.xml",
        "/open-data/oskemen/queue/2024.xlsx",
    ):
        assert client.get(url).status_code == 404, url


def test_csv_cells_are_not_formulas(region: Region, now: object, client: Client) -> None:
    Organisation.objects.filter(pk=region.private_org.pk).update(name_ru='=HYPERLINK("http://evil.example")')
    data = rows(client.get("/open-data/oskemen/publications.csv", {"ownership": "private"}))
    assert data[1][2] == '\'=HYPERLINK("http://evil.example")'


def test_csv_in_kazakh_uses_kazakh_names(region: Region, now: object, client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "kk", "next": "/"})
    data = rows(client.get("/open-data/oskemen/publications.csv"))
    assert data[1][2] == "«Ақбота» балабақшасы"
    data = rows(client.get("/open-data/oskemen/directions.csv"))
    assert data[1][6] == "«Ақбота» балабақшасы"
