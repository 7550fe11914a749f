"""The parent's pages of distribution through the Django test Client: search → kindergarten → group → get a
direction → my directions (extend, decline), the PDF and the public verification page; another family
gets 404 everywhere; domain errors are shown with their 4xx status and change nothing."""

from __future__ import annotations

import datetime as dt
import re
import zlib
from importlib import import_module
from typing import TYPE_CHECKING

import pytest
import time_machine
from django.conf import settings
from django.http import HttpRequest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from kezek.cabinet import sessions
from kezek.facilities.models import Group
from kezek.placement import documents, services
from kezek.placement.models import Direction
from kezek.registry.models import RegistryPerson
from kezek.waitlist.models import Applicant, Application
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory, RegistryPersonFactory
from tests.factories import register_application as register

if TYPE_CHECKING:  # django-stubs' type of the test client's responses; not there at run time
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db
ALMATY = dt.timezone(dt.timedelta(hours=5))
MONDAY = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)


def sign_in(client: Client, applicant: Applicant) -> None:
    """Open a cabinet session exactly as `kezek.cabinet.sessions.sign_in` does after the password step."""
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    sessions.sign_in(request, applicant)
    request.session.save()
    session_key = request.session.session_key
    assert session_key is not None  # saved: it has one
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key


def parent(application: Application) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    sign_in(client, application.applicant)
    return client


def toddler(n: int) -> RegistryPerson:
    """A child of 2 full years in December 2026."""
    return RegistryPersonFactory.create(birth_date=dt.date(2024, 2, 1) + dt.timedelta(days=n))


@pytest.fixture
def group() -> Group:
    organisation = OrganisationFactory.create(locality=LocalityFactory.create())
    return GroupFactory.create(organisation=organisation, capacity=1, language="ru", name="Балапан")


def text(response: Response) -> str:
    return response.content.decode()


def pdf_content(pdf: bytes) -> bytes:
    """The decompressed content streams of a PDF written by fpdf2 (FlateDecode)."""
    out = b""
    # Each stream is exactly /Length bytes long: cutting at the next "endstream" instead would drop
    # a compressed byte that happens to be a carriage return.
    for match in re.finditer(rb"/Length (\d+)\b[^>]*>>\s*stream\r?\n", pdf):
        data = pdf[match.end() : match.end() + int(match.group(1))]
        try:
            out += zlib.decompress(data)
        except zlib.error:
            continue
    return out


def qr_runs(url: str) -> int:
    """Horizontal runs of dark modules of the QR code of `url`: one filled rectangle each in the PDF."""
    runs = 0
    for row in documents.qr_code(url).matrix:
        runs += sum(1 for c, dark in enumerate(row) if dark and (c == 0 or not row[c - 1]))
    return runs


@time_machine.travel(MONDAY, tick=False)
def test_search_group_take_extend_pdf_verify_decline(group: Group) -> None:
    mine = register(locality=group.organisation.locality, child=toddler(1))
    services.places_publish(group=group)
    client = parent(mine)
    organisation = group.organisation

    # Search: the signed-in parent's application is the default filter.
    response = client.get(reverse("placement:search"))
    assert response.status_code == 200
    assert organisation.name_ru in text(response)
    assert f'value="{mine.pk}" selected' in text(response)
    organisation_url = reverse("placement:organisation", args=[organisation.pk])
    assert organisation_url in text(response)

    # The kindergarten: its groups with free places.
    response = client.get(organisation_url, {"application": mine.pk})
    assert response.status_code == 200
    assert "Балапан" in text(response)
    assert reverse("placement:group", args=[group.pk]) in text(response)

    # The group: "Get a direction for application No. …".
    response = client.get(reverse("placement:group", args=[group.pk]))
    assert response.status_code == 200
    assert f"Get a direction for application No. {mine.pk}" in text(response)

    # Review, then take (POST).
    take_url = reverse("placement:take", args=[group.pk])
    response = client.get(take_url, {"application": mine.pk})
    assert response.status_code == 200
    assert re.search(rf'value="{mine.pk}"[^>]*checked', text(response))
    assert "csrfmiddlewaretoken" in text(response)
    response = client.post(take_url, {"application": mine.pk})
    assert response.status_code == 302
    direction = Direction.objects.get(application=mine)
    assert response["Location"] == reverse("placement:direction", args=[direction.pk])

    # The confirmation: number, organisation, group, deadline, what to do next.
    response = client.get(response["Location"])
    page = text(response)
    assert f"Direction No. {direction.pk} has been issued." in page
    assert organisation.name_ru in page
    assert "Балапан" in page
    assert "What to do next" in page
    deadline = timezone.localtime(direction.valid_until).strftime("%d.%m.%Y %H:%M")
    assert deadline in page
    assert reverse("placement:pdf", args=[direction.pk]) in page

    # My directions.
    response = client.get(reverse("placement:directions"))
    assert response.status_code == 200
    assert f"Direction No. {direction.pk}" in text(response)
    assert "waiting for enrolment" in text(response)

    # Extend.
    before = direction.valid_until
    response = client.post(reverse("placement:extend", args=[direction.pk]))
    assert response.status_code == 302
    direction.refresh_from_db()
    assert direction.valid_until > before
    assert "The direction is extended until" in text(client.get(response["Location"]))

    # The PDF: only a download, named without personal data, with the verification URL and its QR code.
    response = client.get(reverse("placement:pdf", args=[direction.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="direction-{direction.pk}.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    verify_url = f"http://testserver/places/verify/{direction.verification_code}/"
    assert verify_url.encode() in pdf  # the link under the QR code
    assert b"DejaVuSans" in pdf  # the embedded Unicode font
    assert pdf_content(pdf).count(b" re f") == qr_runs(verify_url)

    # The public verification page (another browser, not signed in).
    public = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = public.get(reverse("placement:verify", args=[direction.verification_code]))
    page = text(response)
    assert response.status_code == 200
    assert "This direction is authentic" in page
    assert "waiting for enrolment" in page
    assert '<meta name="robots" content="noindex' in page
    child = mine.child
    assert f"{child.last_name[0]}. {child.first_name[0]}., born in {child.birth_date.year}" in page
    for personal in (child.iin, child.last_name, child.first_name, mine.applicant.iin, mine.applicant.phone):
        assert personal not in page

    # Decline: a confirmation step; without the tick nothing changes.
    decline_url = reverse("placement:decline", args=[direction.pk])
    response = client.get(decline_url)
    assert response.status_code == 200
    assert "Yes, decline the direction" in text(response)
    response = client.post(decline_url, {})
    assert response.status_code == 422
    assert "Tick the box to confirm" in text(response)
    assert Direction.objects.get(pk=direction.pk).state == "awaiting_enrollment"
    response = client.post(decline_url, {"confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == reverse("placement:directions")
    assert Direction.objects.get(pk=direction.pk).state == "declined"
    assert "declined by the parent" in text(
        public.get(reverse("placement:verify", args=[direction.verification_code]))
    )

    # A dead direction cannot be extended or declined again: 409, translated, nothing changes.
    response = client.post(reverse("placement:extend", args=[direction.pk]))
    assert response.status_code == 409
    assert "Only a valid direction can be extended." in text(response)
    response = client.post(decline_url, {"confirm": "on"})
    assert response.status_code == 409
    assert "This direction is no longer valid." in text(response)


@time_machine.travel(MONDAY, tick=False)
def test_another_family_gets_404_on_every_direction_url(group: Group) -> None:
    mine = register(locality=group.organisation.locality, child=toddler(1))
    theirs = register(locality=group.organisation.locality, child=toddler(2))
    services.places_publish(group=group)
    direction = services.direction_take(application=mine, group=group, applicant=mine.applicant)
    other = parent(theirs)
    number = direction.pk
    assert other.get(reverse("placement:direction", args=[number])).status_code == 404
    assert other.post(reverse("placement:extend", args=[number])).status_code == 404
    assert other.get(reverse("placement:decline", args=[number])).status_code == 404
    assert other.post(reverse("placement:decline", args=[number]), {"confirm": "on"}).status_code == 404
    assert other.get(reverse("placement:pdf", args=[number])).status_code == 404
    assert f"Direction No. {number}" not in text(other.get(reverse("placement:directions")))
    unchanged = Direction.objects.get(pk=number)
    assert (unchanged.state, unchanged.valid_until) == (direction.state, direction.valid_until)
    # Nor can they take a place with my application.
    response = other.post(reverse("placement:take", args=[group.pk]), {"application": mine.pk})
    assert response.status_code == 422
    assert "Choose one of your applications." in text(response)


def test_signed_out_visitor_is_sent_to_sign_in(group: Group) -> None:
    try:
        login = reverse("cabinet:login")
    except NoReverseMatch:  # pragma: no cover - the cabinet's pages arrive with another change
        pytest.skip("cabinet:login is not there yet")
    for url in (
        reverse("placement:directions"),
        reverse("placement:direction", args=[1]),
        reverse("placement:pdf", args=[1]),
        reverse("placement:take", args=[group.pk]),
    ):
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{login}?next=")


@time_machine.travel(MONDAY, tick=False)
def test_taking_errors_are_shown_and_change_nothing(group: Group) -> None:
    locality = group.organisation.locality
    first = register(locality=locality, child=toddler(1))
    second = register(locality=locality, child=toddler(2))
    too_old = register(locality=locality, child=RegistryPersonFactory.create(birth_date=dt.date(2021, 5, 1)))
    services.places_publish(group=group)  # one place, in priority for `first`
    take_url = reverse("placement:take", args=[group.pk])

    # The second in line cannot take the first's priority place: 409, translated message.
    client = parent(second)
    response = client.post(take_url, {"application": second.pk})
    assert response.status_code == 409
    assert "There is no free place left in this group for you." in text(response)

    # A child too old for the group is not offered; posted anyway, the service says why (422).
    client = parent(too_old)
    page = text(client.get(reverse("placement:group", args=[group.pk])))
    assert "None of your applications can get a direction to this group" in page
    response = client.post(take_url, {"application": too_old.pk})
    assert response.status_code == 422
    assert "The child does not fit this group&#x27;s age range or kind." in text(response)
    response = client.post(take_url, {})
    assert response.status_code == 422
    assert "Choose the application." in text(response)
    assert not Direction.objects.exists()

    # The first takes it; taking again is a conflict.
    client = parent(first)
    assert client.post(take_url, {"application": first.pk}).status_code == 302
    response = client.post(take_url, {"application": first.pk})
    assert response.status_code == 409
    assert "This application is not in the queue." in text(response)
    assert Direction.objects.count() == 1


@time_machine.travel(MONDAY, tick=False)
def test_verify_unknown_code_and_the_state_before_the_sweep(group: Group) -> None:
    app = register(locality=group.organisation.locality, child=toddler(1))
    services.places_publish(group=group)
    direction = services.direction_take(application=app, group=group, applicant=app.applicant)
    public = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = public.get(reverse("placement:verify", args=["not-a-real-code"]))
    assert response.status_code == 404
    assert "No direction was found for this code." in text(response)
    assert '<meta name="robots" content="noindex' in text(response)
    with time_machine.travel(direction.valid_until + dt.timedelta(minutes=1), tick=False):
        response = public.get(reverse("placement:verify", args=[direction.verification_code]))
        assert Direction.objects.get(pk=direction.pk).state == "awaiting_enrollment"  # not swept yet
        assert response.status_code == 200
        assert ">expired<" in text(response)
        assert "can no longer be used" in text(response)


@time_machine.travel(MONDAY, tick=False)
def test_pdf_in_kazakh(group: Group) -> None:
    app = register(locality=group.organisation.locality, child=toddler(1))
    services.places_publish(group=group)
    direction = services.direction_take(application=app, group=group, applicant=app.applicant)
    client = parent(app)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    response = client.get(reverse("placement:pdf", args=[direction.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")
    assert b"DejaVuSansBold" in response.content


@time_machine.travel(MONDAY, tick=False)
def test_public_search_filters_and_bad_input(group: Group) -> None:
    locality = group.organisation.locality
    services.places_publish(group=group)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["kezek_locality"] = locality.code
    url = reverse("placement:search")
    name = group.organisation.name_ru  # the page is in English: Russian names

    def found(**params: str | int) -> bool:
        response = client.get(url, params)
        assert response.status_code == 200, text(response)
        return name in text(response)

    assert found()
    assert found(age=2)
    assert not found(age=4)
    assert found(birth_date="01.03.2024")
    assert found(language="ru")
    assert not found(language="kk")
    assert found(access="priority")
    assert not found(access="general")  # the place is in its priority window
    assert found(kind="kindergarten")
    assert not found(kind="sanatorium")

    # A kindergarten's groups whatever location the visitor chose.
    client.cookies["kezek_locality"] = LocalityFactory.create().code
    assert not found()
    response = client.get(reverse("placement:organisation", args=[group.organisation_id]), {"age": 2})
    assert response.status_code == 200
    assert group.name in text(response)

    response = client.get(url, {"age": 99})
    assert response.status_code == 422
    assert "error-summary" in text(response)
    age_and_birth_date: dict[str, str | int] = {"age": 2, "birth_date": "01.03.2024"}
    response = client.get(url, age_and_birth_date)
    assert response.status_code == 422
    assert "Search either by your application, by the birth date or by the age" in text(response)
    response = client.get(url, {"birth_date": "01.03.1990"})
    assert response.status_code == 422
    assert "Enter the birth date of a child of preschool age." in text(response)
    # Translated: Django's own messages come in the visitor's language.
    russian = Client()
    russian.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = russian.get(url, {"age": 99})
    assert response.status_code == 422
    assert "Убедитесь, что это значение меньше либо равно 7." in text(response)


@time_machine.travel(MONDAY, tick=False)
def test_search_by_application_only_for_its_own_parent(group: Group) -> None:
    locality = group.organisation.locality
    mine = register(locality=locality, child=toddler(1))
    theirs = register(locality=locality, child=toddler(2))
    services.places_publish(group=group)
    url = reverse("placement:search")
    # Someone else's application number: not a choice (422), its child's age is not revealed.
    response = parent(mine).get(url, {"application": theirs.pk})
    assert response.status_code == 422
    assert group.organisation.name_ru not in text(response)
    assert f'value="{theirs.pk}"' not in text(response)
    # Signed out there is no application filter at all: the parameter is ignored.
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = anonymous.get(url, {"application": mine.pk, "age": 4})
    assert response.status_code == 200
    assert 'name="application"' not in text(response)
    assert group.organisation.name_ru not in text(response)


@time_machine.travel(MONDAY, tick=False)
def test_the_extend_button_goes_once_the_cap_is_reached(group: Group) -> None:
    """P4: extensions stop at `direction_max_days`; the page then offers none (the service's own rule)."""
    mine = register(locality=group.organisation.locality, child=toddler(1))
    services.places_publish(group=group)
    direction = services.direction_take(application=mine, group=group, applicant=mine.applicant)
    client = parent(mine)
    url = reverse("placement:direction", args=[direction.pk])
    extend_url = reverse("placement:extend", args=[direction.pk])
    extensions = 0
    while f'action="{extend_url}"' in text(client.get(url)):
        assert client.post(extend_url).status_code == 302
        extensions += 1
        assert extensions < 10
    direction.refresh_from_db()
    assert extensions >= 1
    assert direction.valid_until == direction.latest_valid_until  # the 30-day cap
    page = text(client.get(url))
    assert "The direction cannot be extended any further" in page
    assert client.post(extend_url).status_code == 409  # the service agrees
