"""Salted commitments to private data (issue 17 item 4): a registration publishes a commitment to the child's
birth date, never the date; the family's opening verifies as `kezek-verify proof` checks it."""

import base64
import hashlib
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction

from kezek.ledger.models import LedgerEvent
from kezek.translog.keys import log_vkey
from kezek.translog.public import public_form
from kezek.translog.selectors import checkpoint_latest, inclusion_proof
from kezek.translog.services import checkpoint_sign_due, log_integrate
from kezek.waitlist.commitments import BIRTH_DATE, application_commitments, birth_commitment
from kezek.waitlist.models import Application
from kezek_verify import tlog
from kezek_verify.cli import main
from tests.factories import register_application

pytestmark = pytest.mark.django_db


def registered_event(application: Application) -> LedgerEvent:
    return LedgerEvent.objects.get(kind="application.registered", subject_id=str(application.pk))


def test_the_public_form_carries_the_commitment_and_no_birth_date() -> None:
    application = register_application(tier="general")
    birth = application.child.birth_date
    event = registered_event(application)
    form = public_form(event).decode()
    data = json.loads(form)["data"]
    assert data["birth_commitment"] == event.payload["birth_commitment"]
    assert len(data["birth_commitment"]) == 64
    for spelling in (birth.isoformat(), birth.strftime("%d.%m.%Y"), birth.strftime("%Y%m%d")):
        assert spelling not in form
    assert application.child.iin not in form


def test_the_opening_matches_the_ledger_and_opens_as_the_verifier_checks() -> None:
    application = register_application(tier="first_priority")
    stored = Application.objects.select_related("child").get(pk=application.pk)
    (opening,) = application_commitments(stored)
    assert opening["name"] == BIRTH_DATE
    assert opening["value"] == stored.child.birth_date.isoformat()
    assert opening["commitment"] == registered_event(application).payload["birth_commitment"]
    salt = base64.b64decode(opening["salt"], validate=True)  # the verifier's `_b64`
    assert len(salt) == 16
    assert hashlib.sha256(opening["value"].encode() + salt).hexdigest() == opening["commitment"]
    assert birth_commitment(stored.child.birth_date, salt) == opening["commitment"]


def test_every_application_has_its_own_salt() -> None:
    first, second = register_application(tier="general"), register_application(tier="general")
    salts = Application.objects.filter(pk__in=[first.pk, second.pk]).values_list("commitment_salt", flat=True)
    assert len({bytes(salt or b"") for salt in salts}) == 2


def test_the_salt_never_changes() -> None:
    application = register_application(tier="general")
    with pytest.raises(TypeError, match="never change"):
        application.save(update_fields=["commitment_salt"])
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(commitment_salt=bytes(16))
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.filter(pk=application.pk).update(commitment_salt=None)


def test_an_application_without_a_salt_has_no_openings() -> None:
    """Registered before commitments: its event published none, so there is nothing to open."""
    application = register_application(tier="general")
    application.commitment_salt = None  # as the migration leaves existing rows (not saved: frozen)
    assert application_commitments(application) == []


def test_kezek_verify_proof_opens_the_download(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A kezek-proof/1 document as the cabinet will build it: the registration's entry with its inclusion
    proof in the signed tree, and the opening from `application_commitments`."""
    application = register_application(tier="general")
    log_integrate()
    checkpoint_sign_due()
    checkpoint = checkpoint_latest()
    assert checkpoint is not None
    event = registered_event(application)
    index = event.seq - 1
    document = {
        "format": "kezek-proof/1",
        "origin": settings.TRANSPARENCY_LOG_ORIGIN,
        "key": log_vkey(),
        "checkpoint": checkpoint.note,
        "application": application.pk,
        "entries": [
            {
                "index": index,
                "entry": public_form(event).decode(),
                "proof": [tlog.format_hash(h) for h in inclusion_proof(index=index, size=checkpoint.size)],
            }
        ],
        "commitments": application_commitments(Application.objects.get(pk=application.pk)),
    }
    path = tmp_path / "proof.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["proof", str(path)]) == 0
    assert f"opens: {BIRTH_DATE} = {application.child.birth_date.isoformat()}" in capsys.readouterr().out

    opening = document["commitments"][0]  # type: ignore[index]
    opening["value"] = "2000-01-01"
    path.write_text(json.dumps(document), encoding="utf-8")
    assert main(["proof", str(path)]) != 0
    assert "does not open" in capsys.readouterr().err
