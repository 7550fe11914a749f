"""Transparency in a real phone-sized browser, in Kazakh and Russian: the Transparency page (the signed
checkpoint, the key, nothing wider than the screen), and a parent downloading "Check my record" from the
cabinet — the file verifies with the independent verifier (kezek_verify)."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from kezek.translog.models import Checkpoint
from kezek.translog.services import checkpoint_sign_due, log_integrate
from kezek_verify import note, tlog
from kezek_verify.checkpoint import Checkpoint as CheckpointText
from tests.browser.test_cabinet import Families, monday, sign_in  # noqa: F401 — the fixture
from tests.browser.test_cabinet import families as cabinet_families
from tests.browser.test_pages import OVERFLOWING
from tests.log_key import VKEY

pytestmark = pytest.mark.browser
families = cabinet_families  # the fixture, under its name here


@pytest.mark.parametrize("language", ["kk", "ru"])
def test_the_transparency_page_and_check_my_record(
    page: Page, live_server: LiveServer, families: Families, language: str, tmp_path: Path
) -> None:
    log_integrate()
    assert checkpoint_sign_due() == 1
    checkpoint = Checkpoint.objects.latest("issued_at")
    page.context.add_cookies([{"name": "kezek_language", "value": language, "url": live_server.url}])

    page.goto("/transparency/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("#checkpoint-size")).to_have_text(str(checkpoint.size))
    expect(page.locator("#checkpoint-note")).to_contain_text(checkpoint.note.splitlines()[0])
    expect(page.locator("#key-vkey")).to_have_text(VKEY)
    assert page.evaluate(OVERFLOWING) == []  # nothing scrolls the page sideways on a phone
    assert families.mine.child.iin not in page.content()

    mine = families.mine
    page.goto("/cabinet/")
    sign_in(page, mine)
    box = page.locator(f"#record-check-{mine.pk}")
    expect(box).to_contain_text(f"kezek-verify proof kezek-proof-{mine.pk}.json")
    assert page.evaluate(OVERFLOWING) == []
    with page.expect_download() as downloading:
        box.get_by_role("link").first.click()
    download = downloading.value
    assert download.suggested_filename == f"kezek-proof-{mine.pk}.json"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    proof = json.loads(saved.read_text(encoding="utf-8"))
    assert (proof["format"], proof["application"], proof["key"]) == ("kezek-proof/1", mine.pk, VKEY)
    opened = note.open(proof["checkpoint"].encode(), [note.new_verifier(proof["key"])])
    signed = CheckpointText.parse(opened.text)
    assert signed.size == checkpoint.size
    kinds = []
    for item in proof["entries"]:
        entry = item["entry"].encode()
        hashes = [tlog.parse_hash(h) for h in item["proof"]]
        tlog.check_record(hashes, signed.size, signed.root_hash, item["index"], tlog.record_hash(entry))
        kinds.append(json.loads(entry)["kind"])
    assert kinds[0] == "application.registered"
    assert "places.published" in kinds  # the group's seats, offered to this application first
