"""Place exchange pages (E70–E78), mounted at /exchange/: the public protocol; the parent's page (offer a
seat, rank kindergartens, see the result); the receiving head's page (accept or decline). Views are thin:
the services the API calls."""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kezek.cabinet.sessions import applicant_required
from kezek.core.errors import DomainError
from kezek.facilities.models import Language, Organisation
from kezek.staff.auth import staff_required
from kezek.staff.models import Role
from kezek.waitlist.models import Applicant

from . import selectors, services
from .models import CHOICES_MAX


def _applicant(request: HttpRequest) -> Applicant:
    applicant: Applicant = request.applicant  # type: ignore[attr-defined]  # set by applicant_required
    return applicant


class OfferForm(forms.Form):
    enrollment = forms.TypedChoiceField(label=_("Child"), coerce=int)
    language = forms.ChoiceField(label=_("Language of the group wanted"), choices=Language.choices)

    def __init__(self, *args: object, children: list, kindergartens: list, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["enrollment"].choices = [  # type: ignore[attr-defined]
            (e.pk, f"{e.child.first_name} — {e.group.organisation.name}, {e.group.name}") for e in children
        ]
        choices = [("", "—"), *[(o.pk, o.name) for o in kindergartens]]
        for rank in range(1, CHOICES_MAX + 1):
            self.fields[f"choice_{rank}"] = forms.TypedChoiceField(
                label=_("Choice %(rank)d") % {"rank": rank},
                choices=choices,
                coerce=int,
                required=rank == 1,
                empty_value=None,
            )

    def ranked(self) -> list[int]:
        return [
            self.cleaned_data[f"choice_{rank}"]
            for rank in range(1, CHOICES_MAX + 1)
            if self.cleaned_data.get(f"choice_{rank}")
        ]


@applicant_required
@require_http_methods(["GET", "POST"])
def cabinet(request: HttpRequest) -> HttpResponse:
    """E70–E72: my enrolled children, an offer form, my offers and what became of them."""
    applicant = _applicant(request)
    children = list(selectors.enrollments_of(applicant=applicant))
    localities = {e.group.organisation.locality_id for e in children}
    kindergartens = list(
        Organisation.objects.filter(locality_id__in=localities, is_active=True).order_by("name_ru")
    )
    initial = {"language": children[0].group.language} if children else {}
    form = OfferForm(request.POST or None, children=children, kindergartens=kindergartens, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.offer_make(
                    applicant=applicant,
                    enrollment_id=form.cleaned_data["enrollment"],
                    kindergartens=form.ranked(),
                    language=form.cleaned_data["language"],
                )
                messages.success(request, _("Your offer is saved: the next weekly round will consider it."))
                return HttpResponseRedirect(reverse("exchange:cabinet"))
            except DomainError as exc:
                form.add_error(None, str(exc.message))
                status = exc.status
        else:
            status = 422
    offers = list(selectors.offers_of(applicant=applicant)[:50])
    return render(
        request,
        "exchange/cabinet.html",
        {"form": form, "children": children, "offers": offers},
        status=status,
    )


@applicant_required
@require_POST
def withdraw(request: HttpRequest, offer_id: int) -> HttpResponse:
    try:
        services.offer_withdraw(applicant=_applicant(request), offer_id=offer_id)
        messages.success(request, _("Your offer is withdrawn."))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return HttpResponseRedirect(reverse("exchange:cabinet"))


@staff_required(Role.KINDERGARTEN_HEAD)
@require_http_methods(["GET", "POST"])
def staff(request: HttpRequest) -> HttpResponse:
    """E74: the exchanges that move children into my kindergarten; accept or decline before the deadline."""
    organisation_id = request.scope.organisation_id  # type: ignore[attr-defined]
    status = 200
    if request.method == "POST":
        try:
            services.exchange_decide(
                exchange_id=int(request.POST.get("exchange", "0") or 0),
                organisation_id=organisation_id,
                by_staff=request.user,  # type: ignore[arg-type]
                accept=request.POST.get("decision") == "accept",
            )
            messages.success(request, _("Your decision is recorded."))
            return HttpResponseRedirect(reverse("exchange:staff"))
        except DomainError as exc:
            messages.error(request, str(exc.message))
            status = exc.status
        except ValueError:
            messages.error(request, _("Choose an exchange from the list."))
            status = 422
    exchanges = list(selectors.proposals_for(organisation_id=organisation_id)[:100])
    return render(
        request,
        "exchange/staff.html",
        {"exchanges": exchanges, "organisation_id": organisation_id},
        status=status,
    )


@require_GET
def protocol(request: HttpRequest) -> HttpResponse:
    """E78: the public protocol of completed exchanges — round, cycle, kindergartens, groups; no child."""
    return render(request, "exchange/protocol.html", {"rows": selectors.protocol()})
