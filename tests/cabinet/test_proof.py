"""Check my record (issue 17, item 5): the cabinet's `kezek-proof/1` download of an application lived
through the services verifies with the independent verifier (kezek_verify): the checkpoint's signature,
every entry's inclusion proof, every entry concerns the application and none about it is left out."""

import datetime as dt
import json
from html import unescape
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.http import HttpRequest
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from kezek.cabinet import sessions
from kezek.ledger.models import LedgerEvent
from kezek.placement import services as places
from kezek.placement.models import Direction
from kezek.translog.public import public_form
from kezek.translog.services import checkpoint_sign_due, log_integrate
from kezek.waitlist import services as waitlist
from kezek.waitlist.commitments import application_commitments
from kezek.waitlist.models import Applicant, Application
from kezek_verify import cli as kezek_verify_cli
from kezek_verify import note, tlog
from kezek_verify.checkpoint import Checkpoint as CheckpointText
from tests.factories import (
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegistryPersonFactory,
    medical_indication,
    register_application,
)
from tests.integrity.conftest import MONDAY, World
from tests.integrity.conftest import world as integrity_world  # noqa: F401 — the fixture
from tests.translog.conftest import (
    ORIGIN,
    VKEY,
)
from tests.translog.conftest import world as translog_world

pytestmark = pytest.mark.django_db
world = translog_world  # the fixture, under its name here
NO_CHECKPOINT = "The transparency log has no signed checkpoint yet. Try again in a few minutes."
LATER = MONDAY + dt.timedelta(days=60)


def parent(applicant: Applicant, language: str = "en") -> Client:
    """A client signed in to the cabinet as `applicant` (as `sessions.sign_in` does after the password)."""
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    sessions.sign_in(request, applicant)
    request.session.save()
    assert request.session.session_key is not None
    client.cookies[settings.SESSION_COOKIE_NAME] = request.session.session_key
    return client


def signed_log() -> int:
    """Integrate the whole ledger and sign a checkpoint; its size."""
    log_integrate()
    with time_machine.travel(LATER, tick=False):
        assert checkpoint_sign_due() == 1
    return LedgerEvent.objects.count()


class Concerns:
    """Whether a public form (read in log order) concerns application `number`, from the forms alone, as
    `kezek-verify proof` may judge it: the application's own events, a direction issued to it and that
    direction's later events, an enrolment its events name and that enrolment's later events, and the
    publications (or their moved offers) and staff-child enrolments that name it."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.directions: set[str] = set()
        self.enrollments: set[str] = set()

    def __call__(self, form: dict[str, Any]) -> bool:
        data, subject, sid = form["data"], form["subject_type"], form["subject_id"]
        about = (
            (subject == "application" and sid == str(self.number))
            or data.get("application") == self.number
            or self.number in (data.get("holders") or [])
            or self.number in (data.get("applications") or [])
            or self.number in (data.get("passed_over") or [])
            or (subject == "direction" and sid in self.directions)
            or (subject == "enrollment" and sid in self.enrollments)
        )
        if about and subject == "direction":
            self.directions.add(sid)
        if about and subject == "enrollment":
            self.enrollments.add(sid)
        if about and data.get("enrollment"):
            self.enrollments.add(str(data["enrollment"]))
        return about


def verified(proof: dict[str, Any], number: int) -> list[dict[str, Any]]:
    """Check the download as the verifier does; the entries' public forms."""
    assert proof["format"] == "kezek-proof/1"
    assert (proof["origin"], proof["key"], proof["application"]) == (ORIGIN, VKEY, number)
    application = Application.objects.select_related("child").get(pk=number)
    assert proof["commitments"] == application_commitments(application)  # the birth date's opening
    assert [c["name"] for c in proof["commitments"]] == ["child_birth_date"]
    opened = note.open(proof["checkpoint"].encode(), [note.new_verifier(proof["key"])])
    checkpoint = CheckpointText.parse(opened.text)
    assert checkpoint.origin == proof["origin"]
    concerns = Concerns(number)
    forms = []
    for item in proof["entries"]:
        entry = item["entry"].encode()
        hashes = [tlog.parse_hash(h) for h in item["proof"]]
        tlog.check_record(
            hashes, checkpoint.size, checkpoint.root_hash, item["index"], tlog.record_hash(entry)
        )
        form = json.loads(entry)
        assert form["seq"] == item["index"] + 1
        assert concerns(form), form
        forms.append(form)
    return forms


def test_the_download_verifies_and_holds_every_entry_about_the_application(
    world: World, tmp_path: Path
) -> None:
    enrolled = Direction.objects.filter(group=world.group, enrollment__isnull=False).first()
    assert enrolled is not None
    application = enrolled.application
    size = signed_log()
    with time_machine.travel(LATER + dt.timedelta(hours=1), tick=False):
        waitlist.application_extend(application=Application.objects.get(pk=application.pk))
    log_integrate()  # in the tree, not yet in a signed checkpoint: not in the file
    client = parent(application.applicant)

    response = client.get(f"/cabinet/applications/{application.pk}/proof/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="kezek-proof-{application.pk}.json"'
    assert "no-store" in response["Cache-Control"]
    proof = json.loads(response.content)
    assert list(proof) == [
        "format", "origin", "key", "checkpoint", "application", "entries", "commitments",
    ]  # fmt: skip
    forms = verified(proof, application.pk)
    kinds = [form["kind"] for form in forms]
    assert kinds[0] == "application.registered"
    assert {"places.published", "direction.issued", "direction.extended", "direction.enrolled"} <= set(kinds)
    assert {"application.enrolled", "enrollment.departed"} <= set(kinds)
    assert all(form["seq"] <= size for form in forms)

    # Nothing about the application that the checkpoint covers is left out.
    concerns = Concerns(application.pk)
    expected = [
        event.seq
        for event in LedgerEvent.objects.filter(seq__lte=size).order_by("seq")
        if concerns(json.loads(public_form(event)))
    ]
    assert [form["seq"] for form in forms] == expected

    # The command the cabinet prints checks the same file.
    path = tmp_path / f"kezek-proof-{application.pk}.json"
    path.write_bytes(response.content)
    assert kezek_verify_cli.main(["proof", str(path)]) == 0

    api = client.get(f"/api/v1/cabinet/applications/{application.pk}/proof")
    assert api.status_code == 200
    assert "no-store" in api["Cache-Control"]
    assert api.json() == proof


def test_the_downloads_of_enrolled_withdrawn_and_stop_listed_applications_verify(world: World) -> None:
    signed_log()
    closed = Application.objects.filter(locality=world.locality).exclude(status="queued")
    assert {"enrolled", "withdrawn", "stop_listed"} <= {a.status for a in closed}
    for application in closed:
        response = parent(application.applicant).get(f"/api/v1/cabinet/applications/{application.pk}/proof")
        assert response.status_code == 200, response.content
        forms = verified(response.json(), application.pk)
        assert forms[0]["kind"] == "application.registered"


def test_another_familys_application_is_not_found(world: World) -> None:
    signed_log()
    mine, theirs = Application.objects.filter(locality=world.locality).order_by("pk")[:2]
    client = parent(mine.applicant)
    assert client.get(f"/cabinet/applications/{theirs.pk}/proof/").status_code == 404
    refused = client.get(f"/api/v1/cabinet/applications/{theirs.pk}/proof")
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    assert Client().get(f"/api/v1/cabinet/applications/{mine.pk}/proof").status_code == 401
    anonymous = Client().get(f"/cabinet/applications/{mine.pk}/proof/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/cabinet/login/")


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_no_checkpoint_yet_is_said_plainly(language: str) -> None:
    with translation.override(language):
        message = escape(gettext(NO_CHECKPOINT))
    application = register_application()
    client = parent(application.applicant, language)
    page = client.get(f"/cabinet/applications/{application.pk}/proof/")
    assert page.status_code == 409
    assert message in page.content.decode()
    api = client.get(f"/api/v1/cabinet/applications/{application.pk}/proof")
    assert api.status_code == 409
    assert api.json()["code"] == "no_checkpoint"
    assert api.json()["detail"] == unescape(message)


def test_the_cabinet_links_the_download_and_says_how_to_check_it() -> None:
    application = register_application()
    page = parent(application.applicant).get("/cabinet/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/cabinet/applications/{application.pk}/proof/"' in html
    assert "Check my record" in html
    assert f"pip install ./verifier &amp;&amp; kezek-verify proof kezek-proof-{application.pk}.json" in html


def test_a_passing_over_for_age_comes_with_its_group_and_is_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A5: the download of an application a publication passed over for its age holds that publication
    and its group's creation; the verifier compares the group's ages with the opened birth date."""
    with time_machine.travel(MONDAY, tick=False):
        locality = LocalityFactory.create()
        group = GroupFactory.create(organisation=OrganisationFactory.create(locality=locality), capacity=1)
        young = RegistryPersonFactory.create(birth_date=dt.date(2024, 12, 20))  # 1 on 7 December 2026
        too_young = register_application(locality=locality, child=young)
        register_application(
            locality=locality, child=RegistryPersonFactory.create(birth_date=dt.date(2024, 3, 1))
        )
        assert places.places_publish(group=group) is not None
    signed_log()

    response = parent(too_young.applicant).get(f"/api/v1/cabinet/applications/{too_young.pk}/proof")

    assert response.status_code == 200
    forms = verified_with_groups(response.json(), too_young.pk, group.pk)
    assert [f["kind"] for f in forms if f["subject_type"] != "application"] == [
        "group.created",
        "places.published",
    ]
    path = tmp_path / "proof.json"
    path.write_bytes(response.content)
    assert kezek_verify_cli.main(["proof", str(path)]) == 0
    assert "rightly passed over: publication" in capsys.readouterr().out


def verified_with_groups(proof: dict[str, Any], number: int, group: int) -> list[dict[str, Any]]:
    """`verified`, the group's entries set apart (they concern the application through the publication)."""
    entries = proof["entries"]
    groups = [e for e in entries if json.loads(e["entry"])["subject_type"] == "group"]
    assert {json.loads(e["entry"])["subject_id"] for e in groups} == {str(group)}
    forms = verified({**proof, "entries": [e for e in entries if e not in groups]}, number)
    return sorted([*forms, *(json.loads(e["entry"]) for e in groups)], key=lambda form: form["seq"])


def test_a_medical_indication_is_claimed_by_its_commitment_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """P3, issue 17 item 4: a medical indication's entries show its status and a commitment, never the
    application; the family's download opens the commitment, which names the application and the dates."""
    with time_machine.travel(MONDAY, tick=False):
        application = register_application()
        medical_indication(application)
    signed_log()

    events = LedgerEvent.objects.filter(subject_type="medical_indication").order_by("seq")
    forms = [json.loads(public_form(event)) for event in events]
    assert [f["kind"] for f in forms] == ["medical_indication.submitted", "medical_indication.confirmed"]
    assert all(set(f["data"]) <= {"status", "supersedes", "indication_commitment"} for f in forms)
    commitment = forms[0]["data"]["indication_commitment"]
    assert forms[1]["data"]["indication_commitment"] == commitment

    response = parent(application.applicant).get(f"/api/v1/cabinet/applications/{application.pk}/proof")
    assert response.status_code == 200
    proof = response.json()
    assert [json.loads(e["entry"])["kind"] for e in proof["entries"]][-2:] == [f["kind"] for f in forms]
    (indication,) = [c for c in proof["commitments"] if c["name"] == "medical_indication"]
    assert indication["commitment"] == commitment
    assert indication["value"].startswith(
        f"application {application.pk}, valid {MONDAY.date().isoformat()}.."
    )
    path = tmp_path / "proof.json"
    path.write_bytes(response.content)
    assert kezek_verify_cli.main(["proof", str(path)]) == 0
    assert f"opens: medical_indication = application {application.pk}" in capsys.readouterr().out
