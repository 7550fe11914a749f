"""The parent's side of the yearly confirmation (C1, C3): the home page's banner, the cabinet's notice and the
redirect after sign-in, the six-step questionnaire (Back keeps what was typed, each step's checks, the
submit that extends every application), "view my questionnaire", a closed campaign, another family."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from pytest_django import Settings

from kezek.cabinet.sessions import sign_in
from kezek.confirmation import services
from kezek.confirmation.models import Campaign, Response
from kezek.facilities.models import Locality, Organisation
from kezek.waitlist.models import Application
from tests.cabinet.test_pages import web_sign_in
from tests.factories import LocalityFactory, OrganisationFactory

from .conftest import ALMATY, LAUNCH, child_application

if TYPE_CHECKING:  # django-stubs' type of the test client's responses; not there at run time
    from django.test.client import _MonkeyPatchedWSGIResponse as HttpResponse

pytestmark = pytest.mark.django_db
REGISTERED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=ALMATY)
DURING = dt.datetime(2026, 10, 20, 12, 0, tzinfo=ALMATY)
ENDS = dt.datetime(2026, 11, 1, 9, 0, tzinfo=ALMATY)  # a month after LAUNCH
AFTER = dt.datetime(2026, 11, 2, 12, 0, tzinfo=ALMATY)
# Valid answers of the six steps (the kindergartens are filled in by `steps_data`).
STEPS: dict[int, dict[str, Any]] = {
    2: {"ownership": "state", "ownership_reason": "quality"},
    3: {"language": "kk"},
    4: {"max_payment": "25000"},
    5: {"activities": ["chess", "drawing"], "activity_other": "  домбыра  "},
    6: {"digital": ["meals", "ios_app"]},
}


@pytest.fixture(autouse=True)
def english(settings: Settings) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def cabinet_test_modes(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """As tests/cabinet: the captcha accepts "PASSED", no wait between two SMS codes."""
    settings.CAPTCHA_TEST_MODE = True
    monkeypatch.setattr("captcha.conf.settings.CAPTCHA_TEST_MODE", True)
    settings.OTP_RESEND_INTERVAL_SECONDS = 0


@dataclass
class Family:
    campaign: Campaign
    mine: Application  # born 2023: asked
    sibling: Application  # born 2025, same applicant: not asked, but extended with the answers
    theirs: Application  # another family, asked too
    young: Application  # a third family with only a child too young: not asked


@pytest.fixture
def family(locality: Locality, kindergartens: list[Organisation], operator: User) -> Family:
    with time_machine.travel(REGISTERED, tick=False):
        mine = child_application(locality, born=dt.date(2023, 5, 1))
        sibling = child_application(locality, born=dt.date(2025, 3, 1), sibling_of=mine)
        theirs = child_application(locality, born=dt.date(2022, 7, 1))
        young = child_application(locality, born=dt.date(2025, 6, 1))
    with time_machine.travel(LAUNCH, tick=False):
        campaign = services.campaign_launch(locality=locality, by_staff=operator)
    return Family(campaign=campaign, mine=mine, sibling=sibling, theirs=theirs, young=young)


@pytest.fixture
def during() -> Iterator[None]:
    with time_machine.travel(DURING, tick=False):
        yield


def signed_in(application: Application) -> Client:
    """A client whose session holds the applicant (what the sign-in's last step leaves)."""
    client = Client()
    request = client.get("/").wsgi_request
    sign_in(request, application.applicant)
    request.session.save()
    client.cookies["sessionid"] = request.session.session_key or ""
    return client


def step_url(campaign: Campaign, number: int) -> str:
    return f"/cabinet/questionnaire/{campaign.pk}/questions/{number}/"


def steps_data(kindergartens: list[Organisation]) -> dict[int, dict[str, Any]]:
    first = {
        "kindergarten_1": kindergartens[2].pk,
        "kindergarten_2": kindergartens[0].pk,
        "kindergarten_3": "",
    }
    return {1: first, **STEPS}


def answer(client: Client, campaign: Campaign, number: int, data: dict[str, Any]) -> HttpResponse:
    return client.post(step_url(campaign, number), data)


def html(response: HttpResponse) -> str:
    return response.content.decode()


def checked(page: str, name: str) -> set[str]:
    """The values of the checked inputs named `name` on the page."""
    inputs = re.findall(rf'<input[^>]*name="{name}"[^>]*>', page)
    return {re.search(r'value="([^"]*)"', tag).group(1) for tag in inputs if " checked" in tag}  # type: ignore[union-attr]


def selected(page: str, name: str) -> str:
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
    assert select is not None, name
    option = re.search(r'<option value="([^"]*)" selected>', select.group(0))
    return option.group(1) if option else ""


# --- The home page's banner ---------------------------------------------------------------------------


def test_the_home_page_shows_the_banner_only_while_the_campaign_runs(
    family: Family, locality: Locality
) -> None:
    LocalityFactory.create()  # another locality: the visitor's choice decides
    client = Client()
    client.cookies["kezek_locality"] = locality.code
    with time_machine.travel(LAUNCH - dt.timedelta(minutes=1), tick=False):
        assert 'id="campaign-banner"' not in html(client.get("/"))
    with time_machine.travel(DURING, tick=False):
        page = html(client.get("/"))
        assert 'id="campaign-banner"' in page
        assert "Confirmation of the queue: until 01.11.2026 09:00" in page
        assert "born in 2024 or earlier" in page
        assert 'href="/cabinet/"' in page
        assert "Go to the cabinet" in page
        other = Client()
        other.cookies["kezek_locality"] = LocalityFactory.create().code
        assert 'id="campaign-banner"' not in html(other.get("/"))
    with time_machine.travel(ENDS, tick=False):
        assert 'id="campaign-banner"' not in html(client.get("/"))


# --- The cabinet: notice and sign-in --------------------------------------------------------------------


def test_the_cabinet_notice_sends_to_the_questionnaire_then_links_to_the_answers(
    family: Family, kindergartens: list[Organisation], during: None
) -> None:
    campaign = family.campaign
    client = signed_in(family.mine)
    page = html(client.get("/cabinet/"))
    assert f'id="questionnaire-notice-{campaign.pk}"' in page
    assert "runs until 01.11.2026 09:00" in page
    assert f'href="/cabinet/questionnaire/{campaign.pk}/"' in page
    assert "Fill in the questionnaire" in page
    assert "questionnaire" not in html(signed_in(family.young).get("/cabinet/")).lower()

    services.questionnaire_submit(
        campaign=campaign,
        applicant=family.mine.applicant,
        answers=services.Answers(
            kindergartens=(kindergartens[0].pk,), ownership="any", ownership_reason="", language="ru",
            max_payment=10_000,
        ),
    )  # fmt: skip
    page = html(client.get("/cabinet/"))
    assert f'id="questionnaire-notice-{campaign.pk}"' not in page
    assert "You confirmed your applications in" in page
    assert "on 20.10.2026" in page
    assert f'href="/cabinet/questionnaire/{campaign.pk}/answers/"' in page


def test_after_sign_in_a_parent_who_must_confirm_goes_to_the_questionnaire(
    family: Family, during: None
) -> None:
    start = f"/cabinet/questionnaire/{family.campaign.pk}/"
    response = web_sign_in(Client(), family.mine)
    assert response.status_code == 302
    assert response["Location"] == start
    # Going to the cabinet's home (the banner's button) counts as no particular page.
    assert web_sign_in(Client(), family.mine, next_url="/cabinet/")["Location"] == start
    # A parent on their way to another page gets there; a parent not asked goes to the cabinet.
    assert web_sign_in(Client(), family.mine, next_url="/places/")["Location"] == "/places/"
    assert web_sign_in(Client(), family.young)["Location"] == "/cabinet/"


def test_before_and_after_the_campaign_the_sign_in_goes_to_the_cabinet(family: Family) -> None:
    with time_machine.travel(AFTER, tick=False):
        assert web_sign_in(Client(), family.mine)["Location"] == "/cabinet/"


# --- The questionnaire -----------------------------------------------------------------------------------


def test_the_whole_questionnaire_extends_every_application(
    family: Family, kindergartens: list[Organisation], during: None
) -> None:
    campaign = family.campaign
    client = signed_in(family.mine)
    before = {a.pk: a.valid_until for a in (family.mine, family.sibling, family.theirs)}
    start = client.get(f"/cabinet/questionnaire/{campaign.pk}/")
    assert start.status_code == 200
    assert f'href="{step_url(campaign, 1)}"' in html(start)
    assert "runs until 01.11.2026 09:00" in html(start)

    data = steps_data(kindergartens)
    for number in range(1, 7):
        page = client.get(step_url(campaign, number))
        assert page.status_code == 200
        assert f"Question {number} of 6" in html(page)
        assert f'<progress max="6" value="{number}"' in html(page)
        assert ("Extend my applications" in html(page)) == (number == 6)
        response = answer(client, campaign, number, data[number])
        assert response.status_code == 302, html(response)
        expected = (
            step_url(campaign, number + 1)
            if number < 6
            else f"/cabinet/questionnaire/{campaign.pk}/thank-you/"
        )
        assert response["Location"] == expected

    saved = Response.objects.get(campaign=campaign, applicant=family.mine.applicant)
    assert [k.organisation_id for k in saved.kindergartens.all()] == [
        kindergartens[2].pk,
        kindergartens[0].pk,
    ]
    assert (saved.ownership, saved.ownership_reason, saved.language) == ("state", "quality", "kk")
    assert saved.max_payment == 25_000
    assert (saved.activities, saved.activity_other) == (["chess", "drawing"], "домбыра")
    assert saved.digital == ["ios_app", "meals"]
    for application in (family.mine, family.sibling):
        valid_until = Application.objects.get(pk=application.pk).valid_until
        assert valid_until == before[application.pk].replace(year=before[application.pk].year + 1)
    assert Application.objects.get(pk=family.theirs.pk).valid_until == before[family.theirs.pk]

    thanks = html(client.get(f"/cabinet/questionnaire/{campaign.pk}/thank-you/"))
    assert "Thank you! Your answers are accepted" in thanks
    assert f'href="/cabinet/questionnaire/{campaign.pk}/answers/"' in thanks

    view = html(client.get(f"/cabinet/questionnaire/{campaign.pk}/answers/"))
    ranked = re.search(r'<ol class="ranked">(.*?)</ol>', view, re.S)
    assert ranked is not None
    assert re.findall(r"<li>(.*?)</li>", ranked.group(1)) == [
        kindergartens[2].name_ru,
        kindergartens[0].name_ru,
    ]
    for label in ("state", "quality", "Kazakh", "up to 25\u00a0000 ₸", "chess", "drawing", "домбыра",
                  "meals control", "iOS app"):  # fmt: skip
        assert label in view, label
    assert "ios_app" not in view
    for application in (family.mine, family.sibling):
        new_date = Application.objects.get(pk=application.pk).valid_until
        assert f"No. {application.pk}" in view
        assert f'<td class="valid-until">{new_date:%d.%m.%Y}</td>' in view
    assert f"No. {family.theirs.pk}" not in view

    # A second time: every page of the questionnaire shows the answers instead; nothing changes.
    for url in (f"/cabinet/questionnaire/{campaign.pk}/", step_url(campaign, 1), step_url(campaign, 6)):
        assert client.get(url)["Location"] == f"/cabinet/questionnaire/{campaign.pk}/answers/"
    again = answer(client, campaign, 6, STEPS[6])
    assert again["Location"] == f"/cabinet/questionnaire/{campaign.pk}/answers/"
    assert Response.objects.filter(applicant=family.mine.applicant).count() == 1


def test_back_keeps_what_was_typed_without_checking_it(
    family: Family, kindergartens: list[Organisation], during: None
) -> None:
    campaign = family.campaign
    client = signed_in(family.mine)
    data = steps_data(kindergartens)
    for number in (1, 2):
        assert answer(client, campaign, number, data[number]).status_code == 302
    # Question 3 answered, then Back: its answer is kept, question 2 shows its own.
    back = answer(client, campaign, 3, {"language": "ru", "back": "1"})
    assert back["Location"] == step_url(campaign, 2)
    page = html(client.get(step_url(campaign, 2)))
    assert checked(page, "ownership") == {"state"}
    assert checked(page, "ownership_reason") == {"quality"}
    assert checked(html(client.get(step_url(campaign, 3))), "language") == {"ru"}

    # An incomplete answer and Back: no error shown, the input kept — but question 3 waits until it is fixed.
    back = answer(client, campaign, 2, {"ownership": "private", "back": "1"})
    assert back.status_code == 302
    assert back["Location"] == step_url(campaign, 1)
    assert selected(html(client.get(step_url(campaign, 1))), "kindergarten_1") == str(kindergartens[2].pk)
    page = html(client.get(step_url(campaign, 2)))
    assert checked(page, "ownership") == {"private"}
    assert not checked(page, "ownership_reason")
    assert "There is a problem" not in page
    assert client.get(step_url(campaign, 3))["Location"] == step_url(campaign, 2)
    assert client.get(step_url(campaign, 6))["Location"] == step_url(campaign, 2)
    # Back from question 1 goes to the introduction.
    back = answer(client, campaign, 1, {**data[1], "back": "1"})
    assert back["Location"] == f"/cabinet/questionnaire/{campaign.pk}/"


def test_a_question_opens_only_after_the_ones_before(family: Family, during: None) -> None:
    client = signed_in(family.mine)
    campaign = family.campaign
    assert client.get(step_url(campaign, 4))["Location"] == step_url(campaign, 1)
    assert answer(client, campaign, 6, STEPS[6])["Location"] == step_url(campaign, 1)
    assert client.get(step_url(campaign, 7))["Location"] == step_url(campaign, 1)
    assert not Response.objects.exists()


@pytest.mark.parametrize(
    ("number", "data", "message"),
    [
        (1, {"kindergarten_1": ""}, "Choose at least one kindergarten."),
        (
            1,
            {"kindergarten_1": "same", "kindergarten_2": "same"},
            "Choose one to three different kindergartens.",
        ),
        (1, {"kindergarten_1": "elsewhere"}, "Select a valid choice."),
        (2, {}, "Choose a form of ownership."),
        (2, {"ownership": "state"}, "Say why: quality or cost."),
        (2, {"ownership": "public", "ownership_reason": "cost"}, "Select a valid choice."),
        (3, {}, "Choose a language of education."),
        (3, {"language": "en"}, "Select a valid choice."),
        (4, {}, "Choose an amount from the list."),
        (4, {"max_payment": "12345"}, "Select a valid choice."),
        (5, {"activities": ["golf"]}, "Choose activities from the list."),
        (5, {"activity_other": "x" * 201}, "at most 200 characters"),
        (6, {"digital": ["telepathy"]}, "Choose services from the list."),
    ],
)
def test_each_question_refuses_a_wrong_answer(
    family: Family,
    kindergartens: list[Organisation],
    during: None,
    number: int,
    data: dict[str, Any],
    message: str,
) -> None:
    campaign = family.campaign
    client = signed_in(family.mine)
    valid = steps_data(kindergartens)
    for earlier in range(1, number):
        assert answer(client, campaign, earlier, valid[earlier]).status_code == 302
    ids = {"same": kindergartens[1].pk, "elsewhere": OrganisationFactory.create().pk}
    data = {name: ids.get(value, value) if isinstance(value, str) else value for name, value in data.items()}
    response = answer(client, campaign, number, data)
    assert response.status_code == 422
    page = html(response)
    assert "There is a problem" in page
    assert message in page
    assert f"Question {number} of 6" in page
    if number < 6:
        assert client.get(step_url(campaign, number + 1))["Location"] == step_url(campaign, number)
    assert not Response.objects.exists()


def test_any_ownership_needs_no_reason(
    family: Family, kindergartens: list[Organisation], during: None
) -> None:
    client = signed_in(family.mine)
    campaign = family.campaign
    answer(client, campaign, 1, steps_data(kindergartens)[1])
    response = answer(client, campaign, 2, {"ownership": "any", "ownership_reason": "cost"})
    assert response["Location"] == step_url(campaign, 3)
    for number in range(3, 7):
        answer(client, campaign, number, STEPS[number])
    assert Response.objects.get().ownership_reason == ""


def test_a_kindergarten_closed_before_the_submit_sends_back_to_question_1(
    family: Family, kindergartens: list[Organisation], during: None
) -> None:
    client = signed_in(family.mine)
    campaign = family.campaign
    data = steps_data(kindergartens)
    for number in range(1, 6):
        answer(client, campaign, number, data[number])
    Organisation.objects.filter(pk=kindergartens[2].pk).update(is_active=False)
    response = answer(client, campaign, 6, data[6])
    assert response.status_code == 422
    assert "Question 1 of 6" in html(response)
    assert "Select a valid choice." in html(response)
    assert not Response.objects.exists()


def test_the_questionnaire_closes_at_the_end_but_the_answers_stay_visible(
    family: Family, kindergartens: list[Organisation]
) -> None:
    campaign = family.campaign
    data = steps_data(kindergartens)
    with time_machine.travel(ENDS - dt.timedelta(hours=2), tick=False):
        mine, theirs = signed_in(family.mine), signed_in(family.theirs)
        for number in range(1, 7):
            answer(mine, campaign, number, data[number])
        for number in range(1, 6):
            answer(theirs, campaign, number, data[number])
    with time_machine.travel(ENDS, tick=False):
        late = answer(theirs, campaign, 6, data[6])  # the campaign ended while they answered
        assert late.status_code == 409
        assert "The questionnaire is closed" in html(late)
        assert not Response.objects.filter(applicant=family.theirs.applicant).exists()
        for url in (f"/cabinet/questionnaire/{campaign.pk}/", step_url(campaign, 1)):
            assert theirs.get(url).status_code == 409
        assert theirs.get(f"/cabinet/questionnaire/{campaign.pk}/answers/").status_code == 404
        view = mine.get(f"/cabinet/questionnaire/{campaign.pk}/answers/")
        assert view.status_code == 200
        assert "My questionnaire" in html(view)
        assert "questionnaire-notice" not in html(theirs.get("/cabinet/"))


def test_not_open_before_the_start(family: Family, operator: User) -> None:
    with time_machine.travel(LAUNCH, tick=False):
        later = services.campaign_launch(
            locality=LocalityFactory.create(), by_staff=operator, starts_at=DURING, ends_at=AFTER
        )
        application = child_application(later.locality, born=dt.date(2022, 1, 1))
        page = signed_in(application).get(f"/cabinet/questionnaire/{later.pk}/")
        assert page.status_code == 409
        assert "The questionnaire is not open yet" in html(page)
        assert "20.10.2026 12:00" in html(page)


def test_only_the_parents_the_campaign_asks_may_open_it(family: Family, during: None) -> None:
    campaign = family.campaign
    urls = [f"/cabinet/questionnaire/{campaign.pk}/", step_url(campaign, 1)]
    urls += [
        f"/cabinet/questionnaire/{campaign.pk}/thank-you/",
        f"/cabinet/questionnaire/{campaign.pk}/answers/",
    ]
    elsewhere = child_application(LocalityFactory.create(), born=dt.date(2022, 1, 1))
    for application in (family.young, elsewhere):  # a child too young; another locality's family
        client = signed_in(application)
        for url in urls:
            assert client.get(url).status_code == 404, url
        assert answer(client, campaign, 1, {"kindergarten_1": ""}).status_code == 404
    assert signed_in(family.mine).get(f"/cabinet/questionnaire/{campaign.pk + 1}/").status_code == 404
    for url in urls:  # not signed in: to the sign-in page, and back afterwards
        response = Client().get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/cabinet/login/?next=")


def test_no_iin_or_phone_in_the_questionnaire_urls(
    family: Family, kindergartens: list[Organisation], during: None
) -> None:
    client = Client()
    web_sign_in(client, family.mine)
    campaign = family.campaign
    applicant = family.mine.applicant
    urls: list[str] = []
    pages = [client.get("/cabinet/"), client.get(f"/cabinet/questionnaire/{campaign.pk}/")]
    data = steps_data(kindergartens)
    for number in range(1, 7):
        pages.append(client.get(step_url(campaign, number)))
        response = answer(client, campaign, number, data[number])
        urls.append(response["Location"])
    pages += [client.get(urls[-1]), client.get(f"/cabinet/questionnaire/{campaign.pk}/answers/")]
    for page in pages:
        assert page.status_code == 200
        urls += re.findall(r'(?:href|action)="([^"]*)"', html(page))
        assert applicant.iin not in html(page)
        assert applicant.phone not in html(page)
    for url in urls:
        for secret in (applicant.iin, applicant.phone, applicant.phone.lstrip("+"), family.mine.child.iin):
            assert secret not in url
