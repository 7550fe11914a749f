"""The parent's voucher pages (E30–E37), mounted at /vouchers/: my vouchers; one voucher with its
deadline and what to do — confirm, refuse, restore, choose a kindergarten and sign, extend; and the
department's list of the locality's vouchers. Views are thin: the services the API calls."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from kezek.cabinet.sessions import applicant_required
from kezek.core import clock
from kezek.core.errors import DomainError, NotFound
from kezek.facilities.models import Organisation
from kezek.staff.auth import staff_required
from kezek.staff.navigation import DEPARTMENT_READ
from kezek.waitlist.models import Applicant

from . import selectors, services
from .models import Voucher

State = Voucher.State


def _applicant(request: HttpRequest) -> Applicant:
    applicant: Applicant = request.applicant  # type: ignore[attr-defined]  # set by applicant_required
    return applicant


class SignForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("Kindergarten"), coerce=int)
    wait = forms.BooleanField(
        label=_("If it is full, wait on its list (served first when a place frees there)"), required=False
    )


class ExtendForm(forms.Form):
    days = forms.IntegerField(
        label=_("Extend by (days)"), min_value=1, max_value=services.EXTENSION_MAX_DAYS, initial=30
    )


@dataclass(frozen=True)
class Row:
    voucher: Voucher
    state: str
    state_label: str

    @property
    def restore_until(self) -> Any:
        return selectors.restore_until(self.voucher)

    @property
    def can_restore(self) -> bool:
        return (
            self.state == State.LAPSED
            and clock.now() < selectors.restore_until(self.voucher)
            and not Voucher.objects.filter(
                application_id=self.voucher.application_id, state=State.RESTORED
            ).exists()
        )


def _own(request: HttpRequest, number: int) -> Voucher:
    try:
        return selectors.voucher_of(applicant=_applicant(request), number=number)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _row(voucher: Voucher) -> Row:
    state = selectors.voucher_state(voucher)
    return Row(voucher, state, str(State(state).label))


@require_GET
@applicant_required
def vouchers(request: HttpRequest) -> HttpResponse:
    rows = [_row(v) for v in selectors.vouchers_of(applicant=_applicant(request))]
    return render(request, "vouchers/vouchers.html", {"rows": rows})


def _sign_form(voucher: Voucher, data: Any = None) -> SignForm:
    form = SignForm(data)
    with_places = {o.pk for o in selectors.organisations_with_places(voucher=voucher)}
    choices = []
    for organisation in selectors.organisations_of_locality(locality_id=voucher.locality_id):
        label = organisation.name if organisation.pk in with_places else f"{organisation.name} — {_('full')}"
        choices.append((organisation.pk, label))
    choices.sort(key=lambda c: (c[0] not in with_places, str(c[1])))
    form.fields["organisation"].choices = choices  # type: ignore[attr-defined]
    return form


def _detail(request: HttpRequest, voucher: Voucher, *, error: str = "", status: int = 200) -> HttpResponse:
    row = _row(voucher)
    context = {
        "row": row,
        "error": error,
        "sign_form": _sign_form(voucher) if row.state in (State.CONFIRMED, State.WAITING) else None,
        "extend_form": ExtendForm() if row.state == State.CONFIRMED and not voucher.extended else None,
    }
    return render(request, "vouchers/voucher.html", context, status=status)


@require_GET
@applicant_required
def voucher(request: HttpRequest, number: int) -> HttpResponse:
    return _detail(request, _own(request, number))


def _act(request: HttpRequest, number: int, act: Any, done: str) -> HttpResponse:
    applicant = _applicant(request)
    found = _own(request, number)
    try:
        act(found, applicant)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    except DomainError as exc:
        return _detail(
            request,
            _own(request, number),
            error=str(exc.message),
            status=exc.status,
        )
    messages.success(request, done)
    return HttpResponseRedirect(reverse("vouchers:voucher", args=[number]))


@require_POST
@applicant_required
def confirm(request: HttpRequest, number: int) -> HttpResponse:
    return _act(
        request,
        number,
        lambda v, a: services.voucher_confirm(voucher=v, applicant=a),
        str(_("The voucher is confirmed. Choose a kindergarten and sign the contract.")),
    )


@require_POST
@applicant_required
def refuse(request: HttpRequest, number: int) -> HttpResponse:
    return _act(
        request,
        number,
        lambda v, a: services.voucher_refuse(voucher=v, applicant=a),
        str(_("The voucher is refused: the application has left the queue.")),
    )


@require_POST
@applicant_required
def restore(request: HttpRequest, number: int) -> HttpResponse:
    return _act(
        request,
        number,
        lambda v, a: services.voucher_restore(voucher=v, applicant=a),
        str(_("The application is back in the queue.")),
    )


@require_POST
@applicant_required
def extend(request: HttpRequest, number: int) -> HttpResponse:
    form = ExtendForm(request.POST)
    if not form.is_valid():
        found = _own(request, number)
        return _detail(request, found, error=str(_("An extension is between 1 and 30 days.")), status=422)
    days = form.cleaned_data["days"]
    return _act(
        request,
        number,
        lambda v, a: services.voucher_extend(voucher=v, applicant=a, days=days),
        str(_("The contract deadline is extended.")),
    )


@require_POST
@applicant_required
def sign(request: HttpRequest, number: int) -> HttpResponse:
    found = _own(request, number)
    form = _sign_form(found, request.POST)
    if not form.is_valid():
        return _detail(request, found, error=str(_("Choose a kindergarten.")), status=422)
    organisation = Organisation.objects.filter(pk=form.cleaned_data["organisation"]).first()
    if organisation is None:
        raise Http404(str(_("Kindergarten not found.")))
    wait = form.cleaned_data["wait"]
    return _act(
        request,
        number,
        lambda v, a: services.voucher_sign(voucher=v, applicant=a, organisation=organisation, wait=wait),
        str(_("Done: see the voucher's state below.")),
    )


@require_GET
@staff_required(*DEPARTMENT_READ)
def staff_vouchers(request: HttpRequest) -> HttpResponse:
    """The department: the vouchers of its localities, newest first (E39)."""
    scope = request.scope  # type: ignore[attr-defined]
    rows = [_row(v) for v in selectors.vouchers_of_locality(locality_ids=scope.locality_ids)[:500]]
    return render(request, "vouchers/staff_vouchers.html", {"rows": rows})
