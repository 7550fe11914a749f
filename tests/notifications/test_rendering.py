"""Templates render in the message's language (gettext), plain text, one line, from a fixed context."""

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from django.utils.translation import gettext_lazy
from pytest_django import Settings

from kezek.core.errors import ValidationFailed
from kezek.notifications.rendering import MESSAGE_TEMPLATES, message_render
from tests.notifications.fakes import write_mo

TEMPLATES_DIR = (
    Path(__file__).resolve().parents[2] / "kezek" / "notifications" / "templates" / "notifications"
)
RU_PLURALS = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
)
CONTEXTS: dict[str, dict[str, Any]] = {
    "phone_code": {"code": "012345", "minutes": 5},
    "cabinet_code": {"code": "654321", "minutes": 5},
    "application_registered": {"number": 4021, "locality": "Усть-Каменогорск"},
    "application_withdrawn": {"number": 4021},
    "application_stop_listed": {"number": 4021, "reason": "not confirmed"},
    "application_restored": {"number": 4021},
    "application_extended": {"number": 4021, "valid_until": dt.date(2027, 9, 1)},
    "campaign_launched": {"locality": "Темиртау", "until": dt.datetime(2026, 12, 31, 12, 0, tzinfo=dt.UTC)},
    "places_offered": {
        "number": 4021,
        "organisation": "Детский сад «Лада»",
        "until": dt.datetime(2026, 12, 8, 7, 0, tzinfo=dt.UTC),
        "link": "https://kezek.example.kz/cabinet/",
    },
    "direction_issued": {"number": 4021, "direction": 77, "until": dt.datetime(2026, 12, 15, tzinfo=dt.UTC)},
    "direction_expired": {"number": 4021, "direction": 77},
    "phone_changed": {"phone": "+7 701 *** ** 78"},
    "application_reassigned": {"number": 4021},
    "access_request_approved": {"request": 12},
    "access_request_rejected": {"request": 12, "reason": "the document is unreadable"},
    **{
        key: {
            "number": 4021,
            "voucher": 35,
            "until": dt.datetime(2026, 12, 19, tzinfo=dt.UTC),
            "link": "https://kezek.example.kz/vouchers/35/",
        }
        for key in ("voucher_issued", "voucher_reminder", "voucher_lapsed")
    },
    "voucher_served": {
        "number": 4021,
        "voucher": 35,
        "organisation": "Детский сад «Лада»",
        "direction": 77,
        "until": dt.datetime(2026, 12, 15, tzinfo=dt.UTC),
    },
    "quarantine_contact": {
        "organisation": "Детский сад «Лада»",
        "group": "Солнышко",
        "infection": "ветряная оспа",
        "watch": "сыпь, температура.",
        "until": dt.date(2026, 12, 28),
    },
}
PHONE_CODE = (
    "Kezek: your confirmation code is %(code)s, valid %(minutes)s minute. Do not tell it to anyone.",
    "Kezek: your confirmation code is %(code)s, valid %(minutes)s minutes. Do not tell it to anyone.",
)
REGISTERED = (
    "Kezek: your application No. %(number)s is registered in the kindergarten waiting list (%(locality)s)."
)
STOP_LISTED = "Kezek: your application No. %(number)s is moved to the stop list. Reason: %(reason)s"


@pytest.fixture
def russian(tmp_path: Path, settings: Settings) -> None:
    """A Russian catalogue with a few of the messages, ahead of the project's own catalogues."""
    write_mo(
        tmp_path / "ru" / "LC_MESSAGES" / "django.mo",
        {
            PHONE_CODE: [
                f"Kezek: ваш код подтверждения %(code)s, действует %(minutes)s {word}. Никому не сообщайте."
                for word in ("минуту", "минуты", "минут")
            ],
            REGISTERED: (
                "Kezek: ваше заявление № %(number)s зарегистрировано в очереди в детский сад (%(locality)s)."
            ),
            "Kezek: application No. %(number)s is registered": (
                "Kezek: заявление № %(number)s зарегистрировано"
            ),
            STOP_LISTED: "Kezek: ваше заявление № %(number)s перенесено в стоп-лист. Причина: %(reason)s",
            "no confirmation in time": "нет подтверждения в срок",
        },
        RU_PLURALS,
    )
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]


def test_the_registry_and_the_template_files_agree() -> None:
    assert {path.stem for path in TEMPLATES_DIR.glob("*.txt")} == set(MESSAGE_TEMPLATES)
    assert set(CONTEXTS) == set(MESSAGE_TEMPLATES)
    for key, template in MESSAGE_TEMPLATES.items():
        assert set(CONTEXTS[key]) == template.fields, key


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("template", sorted(CONTEXTS))
def test_every_template_renders_in_every_language(template: str, language: str) -> None:
    rendered = message_render(template=template, language=language, context=CONTEXTS[template])

    for text in (rendered.subject, rendered.body):
        assert text.startswith("Kezek")
        assert "\n" not in text
        assert "{" not in text
        assert "%(" not in text
    assert "  " not in rendered.body
    if "number" in CONTEXTS[template]:
        assert "4021" in rendered.body
        assert "4021" in rendered.subject
    if "code" in CONTEXTS[template]:
        assert str(CONTEXTS[template]["code"]) in rendered.body
        assert "5" in rendered.body


def test_the_text_comes_from_the_language_catalogue(russian: None) -> None:
    rendered = message_render(
        template="application_registered", language="ru", context={"number": 17, "locality": "Риддер"}
    )

    assert rendered.body == "Kezek: ваше заявление № 17 зарегистрировано в очереди в детский сад (Риддер)."
    assert rendered.subject == "Kezek: заявление № 17 зарегистрировано"
    english = message_render(
        template="application_registered", language="en", context={"number": 17, "locality": "Ridder"}
    )
    assert (
        english.body
        == "Kezek: your application No. 17 is registered in the kindergarten waiting list (Ridder)."
    )


@pytest.mark.parametrize(
    ("minutes", "word"),
    [(1, "минуту"), (2, "минуты"), (5, "минут"), (11, "минут"), (21, "минуту"), (24, "минуты")],
)
def test_plural_forms_follow_the_language(russian: None, minutes: int, word: str) -> None:
    rendered = message_render(
        template="phone_code", language="ru", context={"code": "123456", "minutes": minutes}
    )

    assert rendered.body == (
        f"Kezek: ваш код подтверждения 123456, действует {minutes} {word}. Никому не сообщайте."
    )


def test_english_plural() -> None:
    one = message_render(template="phone_code", language="en", context={"code": "123456", "minutes": 1})
    five = message_render(template="phone_code", language="en", context={"code": "123456", "minutes": 5})

    assert one.body == "Kezek: your confirmation code is 123456, valid 1 minute. Do not tell it to anyone."
    assert five.body == "Kezek: your confirmation code is 123456, valid 5 minutes. Do not tell it to anyone."


def test_a_lazy_value_is_rendered_in_the_message_language(russian: None) -> None:
    with translation.override("en"):
        rendered = message_render(
            template="application_stop_listed",
            language="ru",
            context={"number": 3, "reason": gettext_lazy("no confirmation in time")},
        )

        assert translation.get_language() == "en"  # rendering does not leak its language
    assert (
        rendered.body == "Kezek: ваше заявление № 3 перенесено в стоп-лист. Причина: нет подтверждения в срок"
    )


def test_text_is_not_html_escaped() -> None:
    rendered = message_render(
        template="application_registered", language="en", context={"number": "A<1>", "locality": "Ust' & «Ө»"}
    )

    assert rendered.body.endswith("No. A<1> is registered in the kindergarten waiting list (Ust' & «Ө»).")


def test_dates_are_written_day_month_year() -> None:
    rendered = message_render(
        template="application_extended",
        language="en",
        context={"number": 8, "valid_until": dt.date(2027, 3, 9)},
    )
    assert rendered.body == "Kezek: your application No. 8 is extended until 09.03.2027."

    moment = dt.datetime(2027, 3, 9, 20, 30, tzinfo=dt.UTC)  # the next day in Almaty
    local = moment.astimezone(ZoneInfo("Asia/Almaty"))
    rendered = message_render(
        template="application_extended", language="en", context={"number": 8, "valid_until": moment}
    )
    assert rendered.body == f"Kezek: your application No. 8 is extended until {local:%d.%m.%Y %H:%M}."
    assert local.day == 10


def test_unknown_template_is_refused() -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        message_render(template="birthday_greeting", language="en", context={})
    assert excinfo.value.code == "notification_template"


@pytest.mark.parametrize(
    "context",
    [
        {"number": 1},  # missing locality
        {"number": 1, "locality": "X", "iin": "050312345629"},  # more data than the template needs
        {},
    ],
)
def test_the_context_must_have_exactly_the_template_fields(context: dict) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        message_render(template="application_registered", language="en", context=context)
    assert excinfo.value.code == "notification_context"


@pytest.mark.parametrize("value", [None, 1.5, True, {"a": 1}, ["x"], b"bytes"])
def test_context_values_must_be_text_numbers_or_dates(value: object) -> None:
    with pytest.raises(ValidationFailed) as excinfo:
        message_render(template="application_withdrawn", language="en", context={"number": value})
    assert excinfo.value.code == "notification_context"
