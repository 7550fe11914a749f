"""The department's organisations and groups (issue #6): list, passport, groups, capacity (a rise publishes
places at once), closing a group with its children's transfers. Reads through `request.scope`; writes
through the facilities and placement services (each a ledger event); auditors read only."""

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from kezek.core.errors import DomainError, NotFound
from kezek.core.forms_views import form_posted
from kezek.facilities import services as facilities
from kezek.facilities.labels import age_range_label
from kezek.facilities.models import Group, Organisation
from kezek.facilities.services import GROUP_FIELDS, ORGANISATION_FIELDS
from kezek.placement import selectors as placement_selectors
from kezek.placement import services as placement
from kezek.placement.models import Enrollment

from ..auth import staff_required
from ..forms_organisations import (
    CapacityForm,
    CloseForm,
    FeeFormSet,
    GroupCreateForm,
    GroupForm,
    OrganisationCreateForm,
    OrganisationFilterForm,
    OrganisationForm,
    TransferForm,
)
from ..models import Role
from ..selectors import Scope

WRITE = (Role.OPERATOR, Role.DEPARTMENT_HEAD, Role.ADMINISTRATOR)
READ = (*WRITE, Role.AUDITOR)


def _scope(request: HttpRequest) -> Scope:
    return request.scope  # type: ignore[attr-defined]


def _forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/forbidden.html", status=403)


def _organisation(request: HttpRequest, pk: int) -> Organisation:
    try:
        return _scope(request).get(
            Organisation.objects.select_related("locality"), locality="locality", organisation="pk", pk=pk
        )
    except NotFound as exc:
        raise Http404 from exc


def _group(request: HttpRequest, pk: int) -> Group:
    try:
        return _scope(request).get(
            Group.objects.select_related("organisation__locality"),
            locality="organisation__locality",
            organisation="organisation",
            pk=pk,
        )
    except NotFound as exc:
        raise Http404 from exc


def _error(form: Any, exc: DomainError) -> int:
    form.add_error(None, str(exc.message))
    return exc.status


@require_GET
@staff_required(*READ)
def organisation_list(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(request.GET or None)
    rows: QuerySet[Organisation] = _scope(request).organisations().select_related("locality")
    if form.is_valid():
        data = form.cleaned_data
        if data["name"]:
            rows = rows.filter(Q(name_ru__icontains=data["name"]) | Q(name_kk__icontains=data["name"]))
        if data["kind"]:
            rows = rows.filter(kind=data["kind"])
        if data["ownership"]:
            rows = rows.filter(ownership=data["ownership"])
    rows = rows.annotate(active_groups=Count("groups", filter=Q(groups__is_active=True)))
    return render(request, "staff/organisations/list.html", {"form": form, "organisations": rows})


def _to_organisation(organisation: Organisation) -> HttpResponse:
    return HttpResponseRedirect(reverse("staff:organisation", args=[organisation.pk]))


def _localities(scope: Scope) -> list[tuple[str, str]]:
    return [(str(locality.pk), locality.name) for locality in scope.localities()]


def _fees(formset: Any) -> list[tuple[int, int, int]]:
    return [fee for form in formset.forms if (fee := form.fee()) is not None]


@require_http_methods(["GET", "POST"])
@staff_required(*READ)
def organisation_create(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    if scope.read_only:
        return _forbidden(request)
    data = request.POST if request.method == "POST" else None
    form = OrganisationCreateForm(data, localities=_localities(scope))
    fees = FeeFormSet(data, prefix="fees")
    status = 200
    if request.method == "POST":

        def create(data: dict[str, Any]) -> HttpResponse:
            locality = scope.localities().filter(pk=data["locality"]).first()
            if locality is None:
                raise Http404
            organisation = facilities.organisation_create(
                locality=locality,
                by_staff=request.user,  # type: ignore[arg-type]
                bin=data["bin"],
                fees=_fees(fees),
                **{name: data[name] for name in ORGANISATION_FIELDS},
            )
            return _to_organisation(organisation)

        done, status = form_posted(form, create, also=[fees])
        if done is not None:
            return done
    return render(
        request,
        "staff/organisations/edit.html",
        {"form": form, "fees": fees, "creating": True},
        status=status,
    )


@require_GET
@staff_required(*READ)
def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    groups = list(organisation.groups.order_by("-is_active", "age_from", "name"))
    seats = {group.pk: placement_selectors.group_seats(group=group) for group in groups}
    return render(
        request,
        "staff/organisations/detail.html",
        {
            "organisation": organisation,
            "groups": [(group, seats[group.pk]) for group in groups],
            "fees": organisation.base_fees.order_by("age_from"),
        },
    )


@require_http_methods(["GET", "POST"])
@staff_required(*READ)
def organisation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    if _scope(request).read_only:
        return _forbidden(request)
    initial_fees = [
        {"age_from": fee.age_from, "age_to": fee.age_to, "monthly_fee": fee.monthly_fee}
        for fee in organisation.base_fees.order_by("age_from")
    ]
    data = request.POST if request.method == "POST" else None
    form = OrganisationForm(data, instance=organisation)
    fees = FeeFormSet(data, prefix="fees", initial=initial_fees)
    status = 200
    if request.method == "POST":

        def update(data: dict[str, Any]) -> HttpResponse:
            facilities.organisation_update(
                organisation=organisation,
                by_staff=request.user,  # type: ignore[arg-type]
                fees=_fees(fees),
                **{name: data[name] for name in ORGANISATION_FIELDS},
            )
            return _to_organisation(organisation)

        done, status = form_posted(form, update, also=[fees])
        if done is not None:
            return done
    return render(
        request,
        "staff/organisations/edit.html",
        {"form": form, "fees": fees, "organisation": organisation},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@staff_required(*READ)
def group_create(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _organisation(request, pk)
    if _scope(request).read_only:
        return _forbidden(request)
    form = GroupCreateForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":

        def open_group(data: dict[str, Any]) -> HttpResponse:
            group = placement.group_open(
                organisation=organisation,
                by_staff=request.user,  # type: ignore[arg-type]
                **{name: data[name] for name in (*GROUP_FIELDS, "capacity", "academic_year")},
            )
            return HttpResponseRedirect(reverse("staff:organisation_group", args=[group.pk]))

        done, status = form_posted(form, open_group)
        if done is not None:
            return done
    return render(
        request,
        "staff/organisations/group_new.html",
        {"form": form, "organisation": organisation},
        status=status,
    )


def _transfer_targets(group: Group) -> list[tuple[int, str]]:
    """Other active groups of the organisation with a free seat (open or unpublished)."""
    targets = []
    others = Group.objects.filter(organisation_id=group.organisation_id, is_active=True).exclude(pk=group.pk)
    for other in others.order_by("age_from", "name"):
        seats = placement_selectors.group_seats(group=other)
        free = seats.open + seats.unpublished
        if free > 0:
            label = _("%(name)s, %(ages)s, %(language)s: %(free)d free") % {
                "name": other.name,
                "ages": age_range_label(other.age_from, other.age_to),
                "language": other.get_language_display(),
                "free": free,
            }
            targets.append((other.pk, str(label)))
    return targets


GROUP_ACTIONS = ("edit", "capacity", "close", "transfer")


@require_http_methods(["GET", "POST"])
@staff_required(*READ)
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A group: its seats, its passport form, its capacity, closing it and transferring its children."""
    group = _group(request, pk)
    action = request.POST.get("action") if request.method == "POST" else None
    if request.method == "POST" and _scope(request).read_only:
        return _forbidden(request)
    targets = _transfer_targets(group) if group.is_active else []
    bound = {name: (request.POST if action == name else None) for name in GROUP_ACTIONS}
    edit = GroupForm(bound["edit"], instance=group, prefix="edit")
    capacity = CapacityForm(bound["capacity"], initial={"capacity": group.capacity}, prefix="capacity")
    close = CloseForm(bound["close"], prefix="close")
    transfer = TransferForm(bound["transfer"], groups=targets, prefix="transfer")
    status = 200
    if request.method == "POST":
        status = 422
        user = request.user
        try:
            if action == "edit" and edit.is_valid():
                facilities.group_update(
                    group=group,
                    by_staff=user,  # type: ignore[arg-type]
                    **{name: edit.cleaned_data[name] for name in GROUP_FIELDS},
                )
                return HttpResponseRedirect(request.path)
            if action == "capacity" and capacity.is_valid():
                placement.group_capacity_change(
                    group=group,
                    capacity=capacity.cleaned_data["capacity"],
                    by_staff=user,  # type: ignore[arg-type]
                )
                return HttpResponseRedirect(request.path)
            if action == "close" and close.is_valid():
                placement.group_close(group=group, by_staff=user, reason=close.cleaned_data["reason"])  # type: ignore[arg-type]
                return HttpResponseRedirect(request.path)
            if action == "transfer" and transfer.is_valid():
                enrollment = Enrollment.objects.filter(
                    group=group, left_on__isnull=True, pk=transfer.cleaned_data["enrollment"]
                ).first()
                if enrollment is None:
                    raise Http404
                target = _group(request, transfer.cleaned_data["to_group"])
                placement.enrollment_transfer(
                    enrollment=enrollment,
                    to_group=target,
                    by_staff=user,  # type: ignore[arg-type]
                    closing=True,
                )
                return HttpResponseRedirect(request.path)
            if action not in GROUP_ACTIONS:
                status = 400
        except DomainError as exc:
            form = {"edit": edit, "capacity": capacity, "close": close, "transfer": transfer}[str(action)]
            status = _error(form, exc)
    seats = placement_selectors.group_seats(group=group)
    children = (
        Enrollment.objects.filter(group=group, left_on__isnull=True)
        .select_related("child")
        .order_by("child__last_name", "child__first_name", "pk")
    )
    return render(
        request,
        "staff/organisations/group.html",
        {
            "group": group,
            "organisation": group.organisation,
            "seats": seats,
            "children": children,
            "edit_form": edit,
            "capacity_form": capacity,
            "close_form": close,
            "transfer_form": transfer,
            "transfer_action": action == "transfer",
            "targets": targets,
        },
        status=status,
    )


urlpatterns = [
    path("organisations/", organisation_list, name="organisations"),
    path("organisations/new/", organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", organisation_detail, name="organisation"),
    path("organisations/<int:pk>/edit/", organisation_edit, name="organisation_edit"),
    path("organisations/<int:pk>/groups/new/", group_create, name="group_create"),
    path("organisations/groups/<int:pk>/", group_detail, name="organisation_group"),
]
