"""The parent's questionnaire of the yearly confirmation (C3), in the cabinet (mounted at
/cabinet/questionnaire/): an introduction, six questions one per page with Back and Next, the thank-you
page and "view my questionnaire".

Only a signed-in parent opens these pages; the campaign's id is the only thing in the paths. What was
typed is kept in the server-side session only, per campaign: each step's raw input and whether it passed
the step's checks. "Back" keeps the step's input as typed (no error is shown, nothing is stored but the
draft); a step opens only when the steps before it are answered. The last step submits all the answers
through `services.questionnaire_submit`; its refusals are shown on the step they belong to, or as a page
(closed campaign, not asked), never as a 500.
"""

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from kezek.cabinet.sessions import applicant_required
from kezek.core import clock
from kezek.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from kezek.facilities import selectors as facilities
from kezek.waitlist.models import Applicant

from . import forms as qforms
from . import questions, selectors, services
from .models import Campaign, Response

SESSION_KEY = "confirmation_questionnaire"
DRAFT_MAX_CHARS = 300  # raw input kept in the session: longer than any field allows is cut
STEP_COUNT = questions.QUESTION_COUNT
# Each question's title and explanation (the INDIGO instruction, seed 002).
STEP_TEXTS: tuple[tuple[Any, Any], ...] = (
    (
        _("Desired preschool organisations"),
        _(
            "Choose the preschool organisations you would like your child to attend (one to three). This "
            "does not mean that the child will be enrolled in them. But your answer tells us the expected "
            "load on each organisation, and lets you judge your chances of a place there."
        ),
    ),
    (
        _("State or private organisations"),
        _("Tell us how much the form of ownership of a preschool organisation matters to you."),
    ),
    (_("Language of education"), _("Choose the language of education you would like.")),
    (
        _("The most you can pay"),
        _(
            "What is the most you are ready to pay a month for the services of a preschool organisation? "
            "Please be objective: do not give the lowest possible amount if you are ready to pay more. "
            "This helps to plan the state educational order for next year."
        ),
    ),
    (
        _("Extra activities and clubs"),
        _(
            "Which extra activities would you be interested in, if your organisation offered them for a "
            "fee? Choose any number, or none."
        ),
    ),
    (
        _("Digital services"),
        _(
            "Which services of the personal cabinet would be interesting and useful to you? Choose any "
            "number."
        ),
    ),
)


# --- The campaign and the applicant -------------------------------------------------------------------


def _applicant(request: HttpRequest) -> Applicant:
    applicant: Applicant = request.applicant  # type: ignore[attr-defined]  # set by applicant_required
    return applicant


def _campaign_asking(request: HttpRequest, campaign_id: int) -> tuple[Campaign, Response | None]:
    return selectors.applicant_campaign(applicant=_applicant(request), campaign_id=campaign_id)


def _not_found(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return render(request, "confirmation/not_found.html", {"message": exc.message}, status=404)


def _closed(request: HttpRequest, campaign: Campaign, status: int = 409) -> HttpResponse:
    state = campaign.state_at(clock.now())
    return render(request, "confirmation/closed.html", {"campaign": campaign, "state": state}, status=status)


def _url(name: str, campaign: Campaign, *more: int) -> str:
    return reverse(f"confirmation:{name}", args=[campaign.pk, *more])


def _open_campaign(request: HttpRequest, campaign_id: int) -> tuple[Campaign | None, HttpResponse | None]:
    """The campaign whose questionnaire the applicant may fill in now, or the page to show instead: not
    found, closed, or (already answered) the view of the answers."""
    try:
        campaign, response = _campaign_asking(request, campaign_id)
    except NotFound as exc:
        return None, _not_found(request, exc)
    if response is not None:
        return None, HttpResponseRedirect(_url("answers", campaign))
    if campaign.state_at(clock.now()) != Campaign.State.RUNNING:
        return None, _closed(request, campaign)
    return campaign, None


# --- Wizard state in the session ----------------------------------------------------------------------


def _state(request: HttpRequest, campaign: Campaign) -> dict[str, Any]:
    everything = request.session.get(SESSION_KEY)
    state = everything.get(str(campaign.pk)) if isinstance(everything, dict) else None
    if not isinstance(state, dict):
        return {"data": {}, "valid": []}
    return {"data": dict(state.get("data") or {}), "valid": list(state.get("valid") or [])}


def _save(request: HttpRequest, campaign: Campaign, state: dict[str, Any]) -> None:
    everything = request.session.get(SESSION_KEY)
    everything = dict(everything) if isinstance(everything, dict) else {}
    everything[str(campaign.pk)] = state
    request.session[SESSION_KEY] = everything


def _forget(request: HttpRequest, campaign: Campaign) -> None:
    everything = request.session.get(SESSION_KEY)
    if isinstance(everything, dict) and str(campaign.pk) in everything:
        everything = dict(everything)
        del everything[str(campaign.pk)]
        request.session[SESSION_KEY] = everything


def _form(
    number: int, campaign: Campaign, data: MultiValueDict[str, str] | None = None, **kwargs: Any
) -> forms.Form:
    form_class = qforms.STEP_FORMS[number - 1]
    if form_class is qforms.KindergartensForm:
        kwargs["organisations"] = facilities.organisation_list(locality_id=campaign.locality_id)
    return form_class(data, **kwargs)


def _raw(request: HttpRequest, form: forms.Form) -> dict[str, list[str]]:
    """The step's input as typed (every value of every field, cut to a sane length)."""
    return {
        name: [str(value)[:DRAFT_MAX_CHARS] for value in request.POST.getlist(name)][:20]
        for name in form.fields
    }


def _initial(form: forms.Form, raw: dict[str, list[str]]) -> dict[str, Any]:
    """A step's kept input as the initial values of its unbound form."""
    return {
        name: values if isinstance(form.fields[name], forms.MultipleChoiceField) else (values or [""])[0]
        for name, values in raw.items()
        if name in form.fields
    }


def _bound(number: int, campaign: Campaign, state: dict[str, Any]) -> forms.Form:
    return _form(number, campaign, MultiValueDict(state["data"].get(str(number)) or {}))


def _first_unanswered(state: dict[str, Any], before: int) -> int | None:
    for number in range(1, before):
        if number not in state["valid"]:
            return number
    return None


def _mark(state: dict[str, Any], number: int, valid: bool) -> None:
    others = [n for n in state["valid"] if n != number]
    state["valid"] = sorted([*others, number]) if valid else others


# --- Pages --------------------------------------------------------------------------------------------


@applicant_required
@require_GET
def start(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """What the questionnaire is for, the deadline, and the button that opens question 1."""
    campaign, refusal = _open_campaign(request, campaign_id)
    if refusal is not None or campaign is None:
        return refusal or HttpResponseRedirect(reverse("cabinet:home"))
    return render(
        request,
        "confirmation/start.html",
        {"campaign": campaign, "first_step": _url("step", campaign, 1), "step_count": STEP_COUNT},
    )


def _step_page(
    request: HttpRequest, campaign: Campaign, number: int, form: forms.Form, *, status: int = 200
) -> HttpResponse:
    title, explanation = STEP_TEXTS[number - 1]
    context: dict[str, Any] = {
        "campaign": campaign,
        "form": form,
        "number": number,
        "step_count": STEP_COUNT,
        "title": title,
        "explanation": explanation,
        "action": _url("step", campaign, number),
        "last": number == STEP_COUNT,
    }
    if isinstance(form, qforms.DigitalForm):
        hints = questions.DIGITAL_HINTS
        context["digital_options"] = [
            (option, hints.get(option.data["value"], "")) for option in form["digital"]
        ]
    template = "confirmation/step_digital.html" if "digital_options" in context else "confirmation/step.html"
    return render(request, template, context, status=status)


@applicant_required
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, campaign_id: int, number: int) -> HttpResponse:
    """Question `number` of six. GET shows it with what was typed before; POST "Next" checks it and opens
    the next one (the last submits everything), POST "Back" keeps the input and opens the previous one."""
    campaign, refusal = _open_campaign(request, campaign_id)
    if refusal is not None or campaign is None:
        return refusal or HttpResponseRedirect(reverse("cabinet:home"))
    if not 1 <= number <= STEP_COUNT:
        return HttpResponseRedirect(_url("step", campaign, 1))
    state = _state(request, campaign)
    missing = _first_unanswered(state, number)
    if missing is not None:
        return HttpResponseRedirect(_url("step", campaign, missing))
    if request.method == "GET":
        empty = _form(number, campaign)
        raw = state["data"].get(str(number)) or {}
        return _step_page(request, campaign, number, _form(number, campaign, initial=_initial(empty, raw)))

    form = _form(number, campaign, request.POST)
    state["data"][str(number)] = _raw(request, form)
    if "back" in request.POST:
        _mark(state, number, form.is_valid())  # silently: Back shows no errors
        _save(request, campaign, state)
        return HttpResponseRedirect(
            _url("step", campaign, number - 1) if number > 1 else _url("start", campaign)
        )
    valid = form.is_valid()
    _mark(state, number, valid)
    _save(request, campaign, state)
    if not valid:
        return _step_page(request, campaign, number, form, status=422)
    if number < STEP_COUNT:
        return HttpResponseRedirect(_url("step", campaign, number + 1))
    return _submit(request, campaign, state)


def _answers(campaign: Campaign, state: dict[str, Any]) -> services.Answers | int:
    """All six answers from the kept input, or the number of the first step whose input fails its check."""
    data: dict[str, Any] = {}
    for number in range(1, STEP_COUNT + 1):
        form = _bound(number, campaign, state)
        if not form.is_valid():
            return number
        data.update(form.cleaned_data)
    return services.Answers(
        kindergartens=tuple(data["kindergartens"]),
        ownership=data["ownership"],
        ownership_reason=data["ownership_reason"] or "",
        language=data["language"],
        max_payment=int(data["max_payment"]),
        activities=tuple(data["activities"]),
        activity_other=data["activity_other"],
        digital=tuple(data["digital"]),
    )


def _submit(request: HttpRequest, campaign: Campaign, state: dict[str, Any]) -> HttpResponse:
    answers = _answers(campaign, state)
    if isinstance(answers, int):  # e.g. a kindergarten closed since: the parent answers that step again
        _mark(state, answers, False)
        _save(request, campaign, state)
        form = _bound(answers, campaign, state)
        form.is_valid()
        return _step_page(request, campaign, answers, form, status=422)
    try:
        services.questionnaire_submit(campaign=campaign, applicant=_applicant(request), answers=answers)
    except ValidationFailed as exc:
        number = qforms.STEP_OF_ERROR.get(exc.code, STEP_COUNT)
        _mark(state, number, False)
        _save(request, campaign, state)
        form = _bound(number, campaign, state)
        form.is_valid()
        field = qforms.FIELD_OF_ERROR.get(exc.code, exc.code)
        form.add_error(field if field in form.fields else None, str(exc.message))
        return _step_page(request, campaign, number, form, status=exc.status)
    except Conflict as exc:
        if exc.code == "answered":
            _forget(request, campaign)
            return HttpResponseRedirect(_url("answers", campaign))
        return _closed(request, campaign, status=exc.status)
    except NotFound as exc:
        return _not_found(request, exc)
    _forget(request, campaign)
    return HttpResponseRedirect(_url("done", campaign))


@applicant_required
@require_GET
def done(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Thank you: the answers are accepted and the applications extended by a year."""
    try:
        campaign, response = _campaign_asking(request, campaign_id)
    except NotFound as exc:
        return _not_found(request, exc)
    if response is None:
        return HttpResponseRedirect(_url("start", campaign))
    return render(request, "confirmation/done.html", {"campaign": campaign, "response": response})


def _labels(codes: list[str], choices: type[Any]) -> list[str]:
    labels = dict(choices.choices)
    return [str(labels.get(code, code)) for code in codes]


@applicant_required
@require_GET
def answers(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """View my questionnaire: the answers (labels, the kindergartens by name in order) and every live
    application of the applicant in the locality with its new "valid until" (also after the campaign)."""
    try:
        campaign, response = _campaign_asking(request, campaign_id)
    except NotFound as exc:
        return _not_found(request, exc)
    if response is None:
        if campaign.state_at(clock.now()) == Campaign.State.RUNNING:
            return HttpResponseRedirect(_url("start", campaign))
        return _closed(request, campaign, status=404)
    applications = selectors.extendable_applications(
        applicant=_applicant(request), locality_id=campaign.locality_id
    )
    return render(
        request,
        "confirmation/answers.html",
        {
            "campaign": campaign,
            "response": response,
            "kindergartens": [choice.organisation for choice in response.kindergartens.all()],
            "ownership": questions.Ownership(response.ownership).label,
            "ownership_reason": (
                questions.OwnershipReason(response.ownership_reason).label
                if response.ownership_reason
                else ""
            ),
            "language": questions.Language(response.language).label,
            "max_payment": qforms.payment_label(response.max_payment),
            "activities": _labels(response.activities, questions.Activity),
            "digital": _labels(response.digital, questions.Digital),
            "applications": applications,
        },
    )


# --- What the cabinet and the home page show ----------------------------------------------------------


def questionnaire_due(*, applicant: Applicant) -> str | None:
    """Where to send the applicant right after sign-in: the first running questionnaire they must still
    answer, or None."""
    for campaign in selectors.applicant_campaigns(applicant=applicant):
        if selectors.applicant_must_confirm(applicant=applicant, campaign=campaign):
            return _url("start", campaign)
    return None
