"""The parent's development cards in the cabinet (E45, E48): their own children's cards at locked points,
each with the child's progress chart; the first view of a card is recorded (the read receipt the
kindergarten sees). Another child's card is a 404."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from kezek.cabinet.sessions import applicant_required
from kezek.core.errors import NotFound
from kezek.waitlist.models import Applicant

from . import charts, selectors, services

app_name = "monitoring_cabinet"


def _applicant(request: HttpRequest) -> Applicant:
    return request.applicant  # type: ignore[attr-defined]  # set by applicant_required


@applicant_required
@require_GET
def cards(request: HttpRequest) -> HttpResponse:
    rows = list(selectors.cards_of_parent(_applicant(request))[:100])
    return render(request, "monitoring/cabinet/cards.html", {"rows": rows})


@applicant_required
@require_GET
def card(request: HttpRequest, card_id: int) -> HttpResponse:
    applicant = _applicant(request)
    try:
        found = selectors.card_of_parent(applicant, card_id)
    except NotFound:
        return render(request, "records/cabinet/not_found.html", status=404)
    services.card_read_record(card=found, applicant=applicant)
    view = selectors.card_view(found)
    context = {
        "view": view,
        "chart": charts.child_chart(
            slug="child",
            blocks=view.blocks,
            progress=selectors.child_progress(found.enrollment_id, locked_only=True),
        ),
    }
    return render(request, "monitoring/cabinet/card.html", context)


urlpatterns = [
    path("", cards, name="cards"),
    path("<int:card_id>/", card, name="card"),
]
