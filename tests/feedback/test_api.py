"""The feedback API's handlers (not mounted yet, see kezek/feedback/api.py): the same service and selector as
the pages, the same refusals."""

import pytest
from django.http import HttpRequest
from django.test import RequestFactory
from pydantic import ValidationError

from kezek.core.errors import NotFound, TooManyRequests
from kezek.feedback import api, services
from kezek.feedback.models import Feedback
from tests.factories import LocalityFactory, OrganisationFactory

pytestmark = pytest.mark.django_db


def _request(ip: str = "192.0.2.10") -> HttpRequest:
    return RequestFactory().post("/api/v1/feedback", REMOTE_ADDR=ip)


def test_send_and_read_status() -> None:
    org = OrganisationFactory.create(locality=LocalityFactory.create(code="oskemen"))
    data = api.FeedbackIn(
        locality="oskemen",
        kind="organisation",
        organisation=org.pk,
        text="Жалоба",
        contact_name="Ким А.",
        phone="+7 701 234 56 78",
    )
    answer = api.feedback_send(_request(), data)
    assert answer.status_code == 201
    reference = Feedback.objects.get().reference
    body = api.FeedbackStatusOut.model_validate(answer.value, from_attributes=True).model_dump()
    assert body["reference"] == reference
    assert body["status"] == "new"
    assert "+77012345678" not in str(body)
    assert "Жалоба" not in str(body)
    status = api.feedback_status(_request(), reference.lower())
    assert status.reference == reference
    with pytest.raises(NotFound):
        api.feedback_status(_request(), "K7QX-M3PD-9TRW")


def test_refusals(settings) -> None:
    LocalityFactory.create(code="oskemen")
    with pytest.raises(NotFound):
        api.feedback_send(_request(), api.FeedbackIn(locality="atlantis", kind="suggestion", text="x"))
    with pytest.raises(services.FeedbackInvalid) as caught:
        api.feedback_send(
            _request(), api.FeedbackIn(locality="oskemen", kind="organisation", organisation=999, text="x")
        )
    assert set(caught.value.problems) == {"organisation", "contact_name", "phone"}
    with pytest.raises(ValidationError):
        api.FeedbackIn(locality="oskemen", kind="praise", text="x")  # type: ignore[arg-type]
    settings.FEEDBACK_RATE_LIMIT = 1
    report = api.FeedbackIn(locality="oskemen", kind="corruption", text="Взятка")
    assert api.feedback_send(_request(), report).status_code == 201
    with pytest.raises(TooManyRequests):
        api.feedback_send(_request(), report)
    assert Feedback.objects.count() == 1
