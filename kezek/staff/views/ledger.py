"""The ledger browser: events of the user's scope, filtered by application, organisation, kind and dates,
newest first; the latest recorded chain verification, and (administrators) a button to run one.

Scope: every event that concerns a locality carries its `locality_code` (waitlist, placement and settings
events), so events are narrowed by that stored, indexed column to the codes of the user's localities.
Events of no locality (e.g. cabinet access requests, which follow a child across localities) are shown to
administrators only. An application number or organisation outside the scope answers 404.
"""

import datetime as dt
import json
import logging
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from kezek.core import clock
from kezek.core.errors import NotFound
from kezek.facilities.models import Group, Organisation
from kezek.ledger.models import LedgerEvent
from kezek.ledger.selectors import About, ledger_events_search, ledger_verification_latest
from kezek.placement.models import Direction
from kezek.staff.models import Role
from kezek.waitlist.models import Application

from ..auth import staff_required
from ..navigation import DEPARTMENT_READ
from ..selectors import Scope

logger = logging.getLogger(__name__)
PAGE_SIZE = 50
DIRECTION_SCOPE = {"locality": "group__organisation__locality", "organisation": "group__organisation"}


class LedgerFilterForm(forms.Form):
    application = forms.IntegerField(label=_("Application number"), required=False, min_value=1)
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False, empty_label=_("All")
    )
    kind = forms.ChoiceField(label=_("Kind of event"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, organisations: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["kind"].choices = [("", _("All")), *((kind, kind) for kind in kinds)]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data


def _locality_codes(scope: Scope) -> list[str] | None:
    if scope.locality_ids is None:
        return None
    return list(scope.localities().values_list("code", flat=True))


def _about_application(scope: Scope, number: int) -> About:
    """The application (404 outside the scope), its directions and their enrolments, and every event
    whose payload names it."""
    scope.get(Application.objects.all(), locality="locality", pk=number)
    directions = scope.filter(Direction.objects.filter(application_id=number), **DIRECTION_SCOPE)
    pairs = list(directions.values_list("pk", "enrollment__pk"))
    return About(
        subjects={
            "application": [str(number)],
            "direction": [str(direction) for direction, _enrolment in pairs],
            "enrollment": [str(enrolment) for _direction, enrolment in pairs if enrolment is not None],
        },
        payload_key="application",
        payload_value=number,
    )


def _about_organisation(scope: Scope, organisation: Organisation) -> About:
    groups = scope.filter(
        Group.objects.filter(organisation=organisation),
        locality="organisation__locality",
        organisation="organisation",
    )
    return About(
        subjects={
            "organisation": [str(organisation.pk)],
            "group": [str(pk) for pk in groups.values_list("pk", flat=True)],
        },
        payload_key="organisation",
        payload_value=organisation.pk,
    )


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=clock.local_tz())


@require_GET
@staff_required(*DEPARTMENT_READ)
def ledger(request: HttpRequest) -> HttpResponse:
    scope: Scope = request.scope  # type: ignore[attr-defined]
    codes = _locality_codes(scope)
    in_scope = ledger_events_search(locality_codes=codes)
    kinds = list(in_scope.order_by("kind").values_list("kind", flat=True).distinct())
    params = request.GET.copy()
    params.pop("page", None)
    form = LedgerFilterForm(params or None, organisations=scope.organisations(), kinds=kinds)
    status = 200
    page = None
    if form.is_bound and not form.is_valid():
        if "organisation" in form.errors:  # another scope's organisation: as if it did not exist
            raise Http404
        status = 422
    else:
        data = form.cleaned_data if form.is_bound else {}
        about = []
        try:
            if data.get("application"):
                about.append(_about_application(scope, data["application"]))
        except NotFound as exc:
            raise Http404 from exc
        if data.get("organisation"):
            about.append(_about_organisation(scope, data["organisation"]))
        events = ledger_events_search(
            locality_codes=codes,
            about=about,
            kind=data.get("kind") or None,
            since=_day_start(data["date_from"]) if data.get("date_from") else None,
            before=_day_start(data["date_to"] + dt.timedelta(days=1)) if data.get("date_to") else None,
        )
        page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "rows": [_row(event) for event in page.object_list] if page else [],
        "query": params.urlencode(),
        "verification": ledger_verification_latest(),
        "may_verify": scope.role == Role.ADMINISTRATOR,
    }
    return render(request, "staff/ledger/index.html", context, status=status)


def _row(event: LedgerEvent) -> dict[str, Any]:
    return {
        "event": event,
        "payload": json.dumps(event.payload, ensure_ascii=False, sort_keys=True),
    }


@require_POST
@staff_required(Role.ADMINISTRATOR)
def ledger_verify_start(request: HttpRequest) -> HttpResponse:
    """Enqueue the background verification of the whole chain; its result appears on the page."""
    from kezek.ledger.tasks import ledger_verify_run

    try:
        ledger_verify_run.enqueue(request.user.pk)
    except Exception:  # the task backend is down: say so instead of a 500
        logger.exception("could not enqueue the ledger verification")
        messages.error(request, _("The verification could not be started. Try again later."))
    else:
        messages.success(
            request, _("The verification has been started; its result appears here when it finishes.")
        )
    return HttpResponseRedirect(reverse("staff:ledger"))


urlpatterns = [
    path("ledger/", ledger, name="ledger"),
    path("ledger/verify/", ledger_verify_start, name="ledger_verify"),
]
