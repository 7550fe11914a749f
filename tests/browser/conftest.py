"""Browser tests: Playwright for Python driving Debian's Chromium against pytest-django's live server.

`make test` installs /usr/bin/chromium first (the Makefile's `browser` target); if it is still missing the
tests here FAIL — never skip — so CI cannot pass without them. Playwright's own browser builds are not used.

Every page gets a phone-sized viewport. A test fails when the browser logs a console error (a CSP violation
is one), and a failing test leaves a screenshot and the page's HTML under pytest's tmp dir (the path is
printed in the report's "browser" section). With KEZEK_SCREENSHOTS=1 the tests also save the key pages
into docs/screenshots/ for the README; without it they write nothing into the repository.
"""

import os
import re
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Playwright, Response, sync_playwright
from pytest_django import Settings

from kezek.notifications.selectors import outbox_latest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """On a failure, keep what the browser showed: a screenshot and the HTML, named in the report."""
    report = yield
    funcargs = getattr(item, "funcargs", {})
    page = funcargs.get("page")
    if report.failed and report.when == "call" and page is not None and not page.is_closed():
        folder = funcargs["tmp_path"]
        try:
            page.screenshot(path=folder / "failure.png", full_page=True)
            (folder / "failure.html").write_text(page.content(), encoding="utf-8")
            report.sections.append(("browser", f"url: {page.url}\nscreenshot and HTML: {folder}/failure.*"))
        except Exception as exc:  # the browser itself may be what broke
            report.sections.append(("browser", f"url: {page.url}\nno screenshot: {exc}"))
    return report


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    # Playwright's sync API runs an asyncio event loop in the main thread (it drives the browser through it)
    # from its start to the end of the session. Django then takes every synchronous ORM call of the tests
    # (factories, outbox reads, assertions on rows) for one made from an async context and raises
    # SynchronousOnlyOperation. They are plain blocking calls in a thread that waits for them anyway (the
    # live server answers in its own thread), and Kezek has no async code: switch that check off while the
    # loop exists.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as driver:
        yield driver
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium)", pytrace=False)
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(autouse=True)
def browser_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The live server runs in this process, so these apply to it too."""
    # The captcha accepts the answer "PASSED"; django-simple-captcha copies the setting at import.
    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)
    settings.OTP_RESEND_INTERVAL_SECONDS = 0  # journeys ask for several codes in a row


@pytest.fixture
def page(browser: Browser, live_server: Any, tmp_path: Path) -> Iterator[Page]:
    """A phone-sized tab on the live server (Russian by default, as the portal is). Fails the test on any
    console error or uncaught script error."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport=PHONE,  # type: ignore[arg-type]
        device_scale_factor=1,
        is_mobile=True,
        has_touch=True,
        locale="ru-RU",
        timezone_id="Asia/Almaty",
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    pages_with_4xx: set[str] = set()  # a form's 422 page, a 404 page: meant, and asserted by the tests

    def on_response(response: Response) -> None:
        if response.request.is_navigation_request() and response.status >= 400:
            pages_with_4xx.add(response.url)

    def on_console(message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        source = message.location.get("url", "")
        if message.text.startswith("Failed to load resource") and (
            source in pages_with_4xx
            # The browser asks for /favicon.ico by itself; base.html declares no icon (not a page's fault).
            or source.endswith("/favicon.ico")
        ):
            return
        errors.append(f"{tab.url}: {message.text} ({source})")

    tab.on("response", on_response)
    tab.on("console", on_console)
    tab.on("pageerror", lambda exc: errors.append(f"{tab.url}: uncaught {exc}"))
    yield tab
    context.close()
    assert not errors, "console errors:\n" + "\n".join(errors)


@pytest.fixture
def screenshot(page: Page) -> Callable[..., None]:
    """`screenshot("check")` saves the viewport as docs/screenshots/check.png when KEZEK_SCREENSHOTS=1,
    scrolled to the element `at` (a CSS selector; the page's content by default, None: the top)."""

    def save(name: str, *, at: str | None = "#main") -> None:
        if os.environ.get("KEZEK_SCREENSHOTS") != "1":
            return
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        top = (
            page.locator(at).first.evaluate("(e) => e.getBoundingClientRect().top + window.scrollY")
            if at
            else 0
        )
        page.evaluate("(top) => window.scrollTo(0, top)", top)
        page.screenshot(path=path, animations="disabled", caret="hide")
        _shrink(path)

    return save


def _shrink(path: Path) -> None:
    """A palette PNG: a text page needs no more than 256 colours and weighs a third."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


def last_code(phone: str) -> str:
    """The six-digit code of the latest SMS to `phone` (the SMS backend only logs it; the outbox keeps it)."""
    message = outbox_latest(recipient=phone)
    assert message is not None, f"no SMS to {phone}"
    found = re.search(r"\b(\d{6})\b", message.body)
    assert found is not None, message.body
    return found.group(1)
