"""The API's documentation page (/api/v1/docs): Swagger UI served from our own static files under the
site's Content Security Policy (no CDN, no inline script), listing the operations."""

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_the_api_docs_list_the_operations_under_our_csp(page: Page, transactional_db: None) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    response = page.goto("/api/v1/docs")
    assert response is not None
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Kezek API")).to_be_visible()
    expect(page.get_by_text("Take a free place: get a direction for one of my applications")).to_be_visible()
    expect(page.get_by_text("/api/v1/open-data/{locality}/directions", exact=True)).to_be_visible()
    base = page.url.split("/api/")[0]
    assert [url for url in requested if not url.startswith(base)] == []  # nothing from a CDN
    # An operation opens (Swagger UI's own script runs, its stylesheet applies: the parameters show).
    page.get_by_role("button", name="GET /api/v1/organisations/{organisation_id}").first.click()
    expect(page.get_by_role("button", name="Try it out")).to_be_visible()
