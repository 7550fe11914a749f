"""The parent's pages of distribution: search free places → a kindergarten → a group → get a direction;
my directions (extend, decline, the printable PDF); the public verification page of a printed direction.

Views are thin: reads through `selectors`, writes through `services` — the same the JSON API calls."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kezek.cabinet.sessions import applicant_from_session, applicant_required
from kezek.core import clock
from kezek.core.errors import DomainError, NotFound
from kezek.core.forms_views import form_posted
from kezek.facilities import selectors as facilities
from kezek.facilities.models import Group, Language, Locality, Organisation
from kezek.waitlist import selectors as waitlist
from kezek.waitlist.models import Applicant, Application

from . import documents, selectors, services
from .forms import DeclineForm, DirectionTakeForm, FreePlacesSearchForm
from .models import LIVE_DIRECTION_STATES, Direction

SEARCH_FIELDS = ("application", "birth_date", "age", "language", "access", "kind")


def _applicant(request: HttpRequest) -> Applicant:
    applicant: Applicant = request.applicant  # type: ignore[attr-defined]  # set by applicant_required
    return applicant


def _search_query(request: HttpRequest) -> str:
    """The search filters to carry from the results to a kindergarten and a group (no personal data)."""
    return urlencode([(k, v) for k, v in request.GET.items() if k in SEARCH_FIELDS and v])


@dataclass(frozen=True)
class GroupRow:
    """A group with free places as the pages show it."""

    group: Group
    language: str
    kind: str
    general: int
    priority: int


@dataclass
class OrganisationRow:
    organisation: Organisation
    groups: int = 0
    general: int = 0
    priority: int = 0


def _group_rows(rows: list[selectors.GroupFree]) -> list[GroupRow]:
    groups = Group.objects.select_related("organisation").in_bulk([r.group_id for r in rows])
    return [
        GroupRow(
            groups[r.group_id],
            str(Language(r.language).label),
            str(Group.Kind(r.kind).label),
            general=r.general,
            priority=r.priority,
        )
        for r in rows
    ]


def _search(
    request: HttpRequest,
    form: FreePlacesSearchForm,
    own: QuerySet[Application] | None,
    *,
    organisation: Organisation | None = None,
) -> tuple[Locality | None, list[selectors.GroupFree] | None]:
    """The rows of the free-places search for a valid form (or None): in the locality of the parent's
    application, of the organisation, or the one the visitor chose."""
    locality = (
        organisation.locality
        if organisation is not None
        else facilities.locality_for_request(request) or facilities.locality_list().first()
    )
    if not form.is_valid():
        return locality, None
    data = form.cleaned_data
    birth_date = data.get("birth_date")
    eligible_for = None
    if data.get("application") and own is not None:
        eligible_for = own.select_related("child", "locality").get(pk=data["application"])
        locality = eligible_for.locality
    elif data.get("age") is not None:
        birth_date = selectors.birth_date_of_age(age=data["age"], today=clock.today())
    if locality is None:
        return None, []
    rows = selectors.free_places_filtered(
        locality=locality,
        birth_date=birth_date,
        eligible_for=eligible_for,
        language=data.get("language") or None,
        organisation_kind=data.get("kind") or None,
        access=data.get("access") or None,
        organisation_id=organisation.pk if organisation is not None else None,
    )
    return locality, rows


def _search_form(request: HttpRequest) -> tuple[FreePlacesSearchForm, QuerySet[Application] | None]:
    """The search form; a signed-in parent also searches by their own applications (the first by
    default, as the seed's cabinet fills the child's data in)."""
    applicant = applicant_from_session(request)
    own = waitlist.applications_of(applicant=applicant) if applicant is not None else None
    choices = list(own.select_related("child")) if own is not None else []
    data = request.GET.copy()
    if not any(data.get(name) for name in SEARCH_FIELDS) and choices:
        data["application"] = str(choices[0].pk)
    return FreePlacesSearchForm(data, applications=choices), own


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """Search free places (public): kindergartens with groups a child may get a direction to."""
    form, own = _search_form(request)
    locality, rows = _search(request, form, own)
    organisations: dict[int, OrganisationRow] = {}
    if rows:
        found = Organisation.objects.in_bulk({r.organisation_id for r in rows})
        for r in rows:
            row = organisations.setdefault(r.organisation_id, OrganisationRow(found[r.organisation_id]))
            row.groups += 1
            row.general += r.general
            row.priority += r.priority
    context = {
        "form": form,
        "shown_locality": locality,
        "organisations": list(organisations.values()) if rows is not None else None,
        "query": _search_query(request),
    }
    return render(request, "placement/search.html", context, status=200 if form.is_valid() else 422)


@require_GET
def organisation(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """A kindergarten's groups with free places (for the same search)."""
    found = Organisation.objects.filter(pk=organisation_id, is_active=True).select_related("locality").first()
    if found is None:
        raise Http404(_("Organisation not found."))
    form, own = _search_form(request)
    _locality, rows = _search(request, form, own, organisation=found)
    context = {
        "organisation": found,
        "form": form,
        "groups": _group_rows(rows) if rows is not None else None,
        "query": _search_query(request),
    }
    return render(request, "placement/organisation.html", context, status=200 if form.is_valid() else 422)


def _active_group(group_id: int) -> Group:
    group = (
        Group.objects.select_related("organisation__locality")
        .filter(pk=group_id, is_active=True, organisation__is_active=True)
        .first()
    )
    if group is None:
        raise Http404(_("Group not found."))
    return group


def _group_free(group: Group) -> selectors.GroupFree | None:
    rows = selectors.free_places_search(
        locality=group.organisation.locality, organisation_id=group.organisation_id
    )
    return next((r for r in rows if r.group_id == group.pk), None)


def _group_context(group: Group) -> dict[str, Any]:
    free = _group_free(group)
    return {
        "group": group,
        "organisation": group.organisation,
        "language": Language(group.language).label,
        "kind": Group.Kind(group.kind).label,
        "general": free.general if free else 0,
        "priority": free.priority if free else 0,
    }


@require_GET
def group(request: HttpRequest, group_id: int) -> HttpResponse:
    """A group: its free places and, for a signed-in parent, "Get a direction for application No. …"."""
    found = _active_group(group_id)
    applicant = applicant_from_session(request)
    eligible = (
        list(selectors.applications_eligible(applicant=applicant, group=found, on=clock.today()))
        if applicant is not None
        else None
    )
    context = {**_group_context(found), "eligible": eligible, "signed_in": applicant is not None}
    return render(request, "placement/group.html", context)


@require_http_methods(["GET", "POST"])
@applicant_required
def take(request: HttpRequest, group_id: int) -> HttpResponse:
    """Review the kindergarten and group, choose the application, get the direction (POST)."""
    found = _active_group(group_id)
    applicant = _applicant(request)
    own = waitlist.applications_of(applicant=applicant)
    eligible = list(selectors.applications_eligible(applicant=applicant, group=found, on=clock.today()))
    status = 200
    if request.method == "POST":
        form = DirectionTakeForm(request.POST, own=own, eligible=eligible)

        def take_direction(data: dict[str, Any]) -> HttpResponse:
            direction = services.direction_take(
                application=data["application"], group=found, applicant=applicant
            )
            messages.success(
                request, _("Direction No. %(number)s has been issued.") % {"number": direction.pk}
            )
            return HttpResponseRedirect(reverse("placement:direction", args=[direction.pk]))

        done, status = form_posted(form, take_direction)
        if done is not None:
            return done
    else:
        initial = {}
        chosen = request.GET.get("application", "")
        if chosen.isdigit() and any(a.pk == int(chosen) for a in eligible):
            initial["application"] = int(chosen)
        form = DirectionTakeForm(initial=initial, own=own, eligible=eligible)
    days = selectors.placement_settings(locality=found.organisation.locality).direction_working_days
    context = {**_group_context(found), "form": form, "eligible": eligible, "working_days": days}
    return render(request, "placement/take.html", context, status=status)


@dataclass(frozen=True)
class DirectionView:
    """A direction as the parent's pages show it: the state as it is now (before the sweep too)."""

    direction: Direction
    state: str
    state_label: str
    live: bool
    language: str
    extendable: bool  # live, and an extension would give it a later deadline (P4)


def _view(direction: Direction) -> DirectionView:
    state = selectors.direction_state(direction)
    live = state in LIVE_DIRECTION_STATES
    return DirectionView(
        direction,
        state,
        str(Direction.State(state).label),
        live=live,
        language=str(Language(direction.group.language).label),
        extendable=live
        and selectors.direction_extended_until(
            direction, settings=selectors.placement_settings(locality=direction.group.organisation.locality)
        )
        is not None,
    )


def _own(request: HttpRequest, number: int) -> Direction:
    try:
        return selectors.direction_of(applicant=_applicant(request), number=number)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@require_GET
@applicant_required
def directions(request: HttpRequest) -> HttpResponse:
    """My directions: state, deadline, kindergarten and group."""
    rows = [_view(d) for d in selectors.directions_of(applicant=_applicant(request))]
    return render(request, "placement/directions.html", {"rows": rows})


def _detail(
    request: HttpRequest, direction: Direction, *, form: forms.Form | None = None, status: int = 200
) -> HttpResponse:
    context = {"row": _view(direction), "form": form or forms.Form()}
    return render(request, "placement/direction.html", context, status=status)


@require_GET
@applicant_required
def direction(request: HttpRequest, number: int) -> HttpResponse:
    """One of my directions: what to do next, extend, decline, download the PDF."""
    return _detail(request, _own(request, number))


@require_POST
@applicant_required
def extend(request: HttpRequest, number: int) -> HttpResponse:
    found = _own(request, number)
    try:
        extended = services.direction_extend(direction=found, applicant=_applicant(request))
    except DomainError as exc:
        form = forms.Form(data={})
        form.add_error(None, str(exc.message))
        return _detail(
            request,
            selectors.direction_of(applicant=_applicant(request), number=number),
            form=form,
            status=exc.status,
        )
    until = formats.date_format(timezone.localtime(extended.valid_until), "d.m.Y H:i")
    messages.success(request, _("The direction is extended until %(until)s.") % {"until": until})
    return HttpResponseRedirect(reverse("placement:direction", args=[number]))


@require_http_methods(["GET", "POST"])
@applicant_required
def decline(request: HttpRequest, number: int) -> HttpResponse:
    """Decline a direction, after a confirmation: the application returns to its place in the queue."""
    found = _own(request, number)
    status = 200
    if request.method == "POST":
        form = DeclineForm(request.POST)

        def decline_direction(data: dict[str, Any]) -> HttpResponse:
            services.direction_decline(direction=found, applicant=_applicant(request))
            messages.success(
                request,
                _("Direction No. %(number)s is declined. The application is back in the queue.")
                % {"number": number},
            )
            return HttpResponseRedirect(reverse("placement:directions"))

        done, status = form_posted(form, decline_direction)
        if done is not None:
            return done
    else:
        form = DeclineForm()
    return render(request, "placement/decline.html", {"row": _view(found), "form": form}, status=status)


@require_GET
@applicant_required
def direction_pdf(request: HttpRequest, number: int) -> HttpResponse:
    """The printable direction (only its own family may download it)."""
    found = _own(request, number)
    verify_url = request.build_absolute_uri(reverse("placement:verify", args=[found.verification_code]))
    response = HttpResponse(
        documents.direction_pdf(direction=found, verify_url=verify_url), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="direction-{found.pk}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _initials(last_name: str, first_name: str) -> str:
    return " ".join(f"{part.strip()[:1].upper()}." for part in (last_name, first_name) if part.strip())


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """The public check of a printed direction (its QR code): authentic or not, and its state now — the
    child only as initials and birth year."""
    try:
        found = selectors.direction_by_code(code=token)
    except NotFound:
        response = render(request, "placement/verify.html", {"row": None}, status=404)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response
    child = found.application.child
    context = {
        "row": _view(found),
        "initials": _initials(child.last_name, child.first_name),
        "birth_year": child.birth_date.year,
        "checked_at": clock.now(),
    }
    response = render(request, "placement/verify.html", context)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
