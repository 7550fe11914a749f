"""Message templates: a registry of keys with their context and subject, rendered in a given language.

The text of a message is the Django template `notifications/<key>.txt` in this app, written in English
with `{% blocktranslate %}`; rendering runs inside `translation.override(language)`, so the kk/ru text
comes from the gettext catalogues. The subject (email only) is a gettext string formatted with the
context. Templates render without HTML escaping: they are plain text (SMS, text email).
"""

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template import Context, Engine
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from kezek.core.errors import ValidationFailed

# Values a template may receive: text (lazy translations are rendered in the message's language),
# whole numbers (counts for plurals), dates and datetimes (written as dd.mm.yyyy [HH:MM], local time).
ContextValue = str | int | dt.date | Promise

_ENGINE = Engine(
    dirs=[str(Path(__file__).resolve().parent / "templates")],
    libraries={"i18n": "django.templatetags.i18n"},
    autoescape=False,
)


@dataclass(frozen=True)
class MessageTemplate:
    key: str
    fields: frozenset[str]
    subject: Promise

    @property
    def template_name(self) -> str:
        return f"notifications/{self.key}.txt"


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


def _template(key: str, fields: set[str], subject: Promise) -> tuple[str, MessageTemplate]:
    return key, MessageTemplate(key=key, fields=frozenset(fields), subject=subject)


MESSAGE_TEMPLATES: dict[str, MessageTemplate] = dict(
    [
        _template("phone_code", {"code", "minutes"}, gettext_lazy("Kezek: phone confirmation code")),
        _template("cabinet_code", {"code", "minutes"}, gettext_lazy("Kezek: code to sign in")),
        _template(
            "application_registered",
            {"number", "locality"},
            gettext_lazy("Kezek: application No. %(number)s is registered"),
        ),
        _template(
            "application_withdrawn",
            {"number"},
            gettext_lazy("Kezek: application No. %(number)s is withdrawn"),
        ),
        _template(
            "application_stop_listed",
            {"number", "reason"},
            gettext_lazy("Kezek: application No. %(number)s is in the stop list"),
        ),
        _template(
            "application_restored", {"number"}, gettext_lazy("Kezek: application No. %(number)s is restored")
        ),
        _template(
            "phone_changed", {"phone"}, gettext_lazy("Kezek: the main phone of your cabinet was changed")
        ),
        _template(
            "places_offered",
            {"number", "organisation", "until", "link"},
            gettext_lazy("Kezek: a free place for application No. %(number)s"),
        ),
        _template(
            "direction_issued",
            {"number", "direction", "until"},
            gettext_lazy("Kezek: direction No. %(direction)s for application No. %(number)s"),
        ),
        _template(
            "direction_expired",
            {"number", "direction"},
            gettext_lazy("Kezek: direction No. %(direction)s for application No. %(number)s has expired"),
        ),
        _template(
            "application_reassigned",
            {"number"},
            gettext_lazy("Kezek: application No. %(number)s is in another cabinet"),
        ),
        _template(
            "access_request_approved",
            {"request"},
            gettext_lazy("Kezek: request No. %(request)s for cabinet access is approved"),
        ),
        _template(
            "access_request_rejected",
            {"request", "reason"},
            gettext_lazy("Kezek: request No. %(request)s for cabinet access is rejected"),
        ),
        _template(
            "campaign_launched",
            {"locality", "until"},
            gettext_lazy("Kezek: confirm that you still need a kindergarten place"),
        ),
        _template(
            "application_extended",
            {"number", "valid_until"},
            gettext_lazy("Kezek: application No. %(number)s is extended"),
        ),
        _template(
            "voucher_issued",
            {"number", "voucher", "until", "link"},
            gettext_lazy("Kezek: voucher No. %(voucher)s for application No. %(number)s"),
        ),
        _template(
            "voucher_reminder",
            {"number", "voucher", "until", "link"},
            gettext_lazy("Kezek: confirm voucher No. %(voucher)s for application No. %(number)s"),
        ),
        _template(
            "voucher_lapsed",
            {"number", "voucher", "until", "link"},
            gettext_lazy("Kezek: voucher No. %(voucher)s for application No. %(number)s has lapsed"),
        ),
        _template(
            "voucher_served",
            {"number", "voucher", "organisation", "direction", "until"},
            gettext_lazy("Kezek: a place for voucher No. %(voucher)s, application No. %(number)s"),
        ),
        _template(
            "quarantine_contact",
            {"organisation", "group", "infection", "watch", "until"},
            gettext_lazy("Kezek: quarantine in your child's group"),
        ),
    ]
)


def site_url(path: str) -> str:
    """An absolute link to `path` on the site (setting SITE_URL), for the text of a message."""
    return settings.SITE_URL.rstrip("/") + path


def message_template_get(*, key: str) -> MessageTemplate:
    template = MESSAGE_TEMPLATES.get(key)
    if template is None:
        raise ValidationFailed(
            _("Unknown notification template: %(key)s.") % {"key": key}, code="notification_template"
        )
    return template


def message_render(*, template: str, language: str, context: Mapping[str, Any]) -> RenderedMessage:
    """Render the template `template` in `language`; raises ValidationFailed on a wrong context."""
    spec = message_template_get(key=template)
    given = set(context)
    if given != spec.fields:
        raise ValidationFailed(
            _("Template %(key)s needs the fields %(needed)s, got %(given)s.")
            % {"key": spec.key, "needed": ", ".join(sorted(spec.fields)), "given": ", ".join(sorted(given))},
            code="notification_context",
        )
    values = {name: _plain(name, value) for name, value in context.items()}
    with override(language):
        text = {name: str(value) if isinstance(value, Promise) else value for name, value in values.items()}
        body = _ENGINE.get_template(spec.template_name).render(Context(text, autoescape=False))
        subject = str(spec.subject) % text
    return RenderedMessage(subject=_one_line(subject), body=_tidy(body))


def _plain(name: str, value: object) -> str | int | Promise:
    if isinstance(value, bool) or not isinstance(value, ContextValue):
        raise ValidationFailed(
            _("Field %(name)s of a notification must be text, a whole number or a date.") % {"name": name},
            code="notification_context",
        )
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d.%m.%Y")
    return value


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _tidy(text: str) -> str:
    """Trim each line and drop blank lines (template tags leave some)."""
    return "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())
