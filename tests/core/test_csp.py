"""Content Security Policy: every HTML page is served with a strict policy (no inline script or style),
and no template carries inline script, inline style or event-handler attributes that the policy would
block in the browser."""

import re
from pathlib import Path

import pytest
from django.test import Client

PROJECT_DIR = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = [PROJECT_DIR / "templates", *sorted((PROJECT_DIR / "kezek").glob("*/templates"))]
INLINE = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")|\sstyle=|\son[a-z]+=", re.I)


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/organisations/", "/open-data/"])
def test_pages_carry_a_strict_content_security_policy(url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_no_template_has_inline_script_style_or_handlers() -> None:
    offenders = [
        f"{path.relative_to(PROJECT_DIR)}:{number}"
        for directory in TEMPLATE_DIRS
        for path in sorted(directory.rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if INLINE.search(line)
    ]
    assert offenders == []


@pytest.mark.django_db
def test_a_failed_csrf_check_gets_our_page_under_the_policy() -> None:
    """Django's own CSRF failure page has an inline <style> the policy would block; ours has none."""
    client = Client(enforce_csrf_checks=True)
    response = client.post("/location/", {"locality": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403
    assert "The page has expired" in response.content.decode()
    assert "<style" not in response.content.decode()
    assert "Content-Security-Policy" in response.headers


@pytest.mark.django_db
def test_a_missing_page_is_translated_and_styled() -> None:
    response = Client().get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
