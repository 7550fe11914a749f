"""The Transparency page (issue 17, item 7): in kk, ru and en, what is published and never is, the latest
signed checkpoint (its size, root and signed note), the latest integrity check, the public key and how to
run the verifier — and never an IIN or a phone of the persons behind the log."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from kezek.integrity.models import IntegrityRun
from kezek.integrity.services import integrity_run_perform
from kezek.registry.models import RegistryPerson
from kezek.translog.models import Checkpoint
from kezek.translog.services import checkpoint_sign_due, log_integrate
from kezek.waitlist.models import Applicant
from kezek_verify import tlog
from tests.integrity.conftest import MONDAY, World
from tests.integrity.conftest import world as integrity_world  # noqa: F401 — the fixture
from tests.translog.conftest import (
    ORIGIN,
    VKEY,
)
from tests.translog.conftest import world as translog_world

pytestmark = pytest.mark.django_db
world = translog_world  # the fixture, under its name here
LANGUAGES = ["kk", "ru", "en"]


def page(language: str) -> str:
    response = Client(HTTP_ACCEPT_LANGUAGE=language).get("/transparency/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    return html


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_page_shows_the_checkpoint_the_key_and_the_integrity_check(world: World, language: str) -> None:
    log_integrate()
    with time_machine.travel(MONDAY + dt.timedelta(days=60), tick=False):
        checkpoint_sign_due()
        integrity_run_perform(run=IntegrityRun.objects.create(trigger=IntegrityRun.Trigger.COMMAND))
    checkpoint = Checkpoint.objects.latest("issued_at")
    html = page(language)
    assert f'<dd id="checkpoint-size">{checkpoint.size}</dd>' in html
    assert tlog.format_hash(bytes(checkpoint.root_hash)) in html
    assert escape(checkpoint.note) in html
    assert escape(VKEY) in html
    assert ORIGIN in html
    assert VKEY.split("+")[1] in html  # the key id
    with translation.override(language):
        assert escape(gettext("no findings")) in html
        assert escape(gettext("What is never published")) in html
    assert "pip install ./verifier" in html
    assert f"kezek-verify check --log http://testserver --key {escape(VKEY)} --state ~/.kezek-witness" in html
    assert "kezek-verify proof" in html
    assert "kezek-verify watch" in html
    for link in ("/log/checkpoint", "/api/v1/open-data/log/key", "/api/v1/open-data/log/checkpoints"):
        assert f'href="{link}"' in html
    assert 'href="/open-data/decisions/"' in html
    persons = [*RegistryPerson.objects.values_list("iin", flat=True)]
    persons += [p for a in Applicant.objects.all() for p in (a.iin, a.phone, a.phone_alt) if p]
    assert len(persons) > 10
    assert not [person for person in persons if person in html]


@pytest.mark.parametrize("language", LANGUAGES)
def test_before_the_first_checkpoint_the_page_says_so(language: str) -> None:
    html = page(language)
    with translation.override(language):
        assert escape(gettext("The transparency log has no signed checkpoint yet.")) in html
        assert escape(gettext("No integrity check has been completed yet.")) in html
    assert escape(VKEY) in html  # the key is known before anything is signed


def test_the_faq_and_the_rules_link_the_page() -> None:
    assert 'href="/transparency/"' in Client().get("/faq/").content.decode()
