"""The public check names the transparency log's checkpoint it was read at (issue 17): the API answer's
`checkpoint_size` and `checkpoint_at` (null before the first checkpoint), and the check page's sentence."""

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client

from kezek.translog.models import Checkpoint
from kezek.translog.services import checkpoint_sign_due, log_integrate
from tests.factories import register_application

pytestmark = pytest.mark.django_db
SIGNED = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


def check(iin: str) -> Any:
    response = Client().post("/api/v1/queue/check", {"iin": iin}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def signed() -> Checkpoint:
    log_integrate()
    with time_machine.travel(SIGNED, tick=False):
        assert checkpoint_sign_due() == 1
    return Checkpoint.objects.latest("issued_at")


def test_before_the_first_checkpoint_the_answer_says_null() -> None:
    application = register_application()
    (row,) = check(application.child.iin)
    assert row["number"] == application.pk
    assert (row["checkpoint_size"], row["checkpoint_at"]) == (None, None)


def test_each_answer_names_the_latest_checkpoint() -> None:
    application = register_application()
    checkpoint = signed()
    assert checkpoint.size > 0
    register_application()  # a later event: the answer names the signed checkpoint, not the ledger's head
    (row,) = check(application.applicant.iin)
    assert row["number"] == application.pk
    assert row["checkpoint_size"] == checkpoint.size
    assert dt.datetime.fromisoformat(row["checkpoint_at"]) == SIGNED
    # The rest of the answer is as before.
    assert set(row) == {
        "number", "locality", "cohort", "tier", "status", "registered_at", "valid_until", "position",
        "cohort_size", "checkpoint_size", "checkpoint_at",
    }  # fmt: skip


def test_the_schema_declares_the_new_fields_as_optional() -> None:
    spec = Client().get("/api/v1/openapi.json").json()
    ok = spec["paths"]["/api/v1/queue/check"]["post"]["responses"]["200"]["content"]["application/json"]
    ref = ok["schema"]["items"]["$ref"].rsplit("/", 1)[1]
    described = spec["components"]["schemas"][ref]
    assert {"checkpoint_size", "checkpoint_at"} <= described["properties"].keys()
    assert not {"checkpoint_size", "checkpoint_at"} & set(described.get("required", []))


def test_the_check_page_names_the_checkpoint() -> None:
    application = register_application()
    client = Client()
    client.cookies["kezek_language"] = "en"
    before = client.post("/queue/check/", {"iin": application.child.iin}).content.decode()
    assert "The transparency log has no signed checkpoint yet." in before
    checkpoint = signed()
    page = client.post("/queue/check/", {"iin": application.child.iin}).content.decode()
    assert f"Checked against the transparency log at tree size {checkpoint.size}, signed" in page
    assert 'href="/transparency/"' in page
