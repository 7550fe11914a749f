import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", "/api/v1/organisations?name=%00", None),
        ("get", "/api/v1/organisations?name=a%00b", None),
        ("post", "/api/v1/queue/check", '{"iin": "\\u0000"}'),
    ],
)
def test_nul_is_refused_with_the_api_error_shape(
    client: Client, method: str, url: str, body: str | None
) -> None:
    is_get = method == "get"
    response = client.get(url) if is_get else client.post(url, body, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_nul_on_a_page_is_refused(client: Client) -> None:
    assert client.get("/organisations/?name=%00").status_code == 422
