"""Complaints, suggestions and corruption reports: the form (POST, then a redirect to the reference page:
the reference may be in the URL, personal data never), the thank-you page and the public status."""

import math

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from kezek.core.errors import NotFound, TooManyRequests
from kezek.core.http import client_ip
from kezek.facilities import selectors as facilities
from kezek.facilities.models import Locality

from . import selectors, services
from .forms import FeedbackForm, ReferenceForm
from .models import Kind


def _shown_locality(request: HttpRequest) -> Locality | None:
    return facilities.locality_for_request(request) or facilities.locality_list().first()


def _too_many(request: HttpRequest, exc: TooManyRequests) -> HttpResponse:
    minutes = max(1, math.ceil((exc.retry_after or 60) / 60))
    message = ngettext(
        "You can send another message in %(count)d minute.",
        "You can send another message in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}
    response = render(request, "feedback/too_many.html", {"message": message}, status=429)
    if exc.retry_after:
        response["Retry-After"] = str(exc.retry_after)
    return response


def _initial(request: HttpRequest, locality: Locality) -> dict[str, object]:
    """Pre-selections from links ("?kind=corruption", "?organisation=12"): public, non-personal values."""
    initial: dict[str, object] = {}
    kind = request.GET.get("kind", "")
    if kind in Kind.values:
        initial["kind"] = kind
    organisation = request.GET.get("organisation", "")
    if organisation.isascii() and organisation.isdigit() and len(organisation) <= 12:
        found = facilities.organisation_list(locality_id=locality.pk).filter(pk=int(organisation)).first()
        if found is not None:
            initial["organisation"] = found.pk
            initial.setdefault("kind", Kind.ORGANISATION)
    return initial


@require_http_methods(["GET", "POST"])
def feedback_new(request: HttpRequest, kind: str | None = None) -> HttpResponse:
    locality = _shown_locality(request)
    if locality is None:
        return render(request, "feedback/new.html", {"shown_locality": None})
    status = 200
    if request.method == "POST":
        form = FeedbackForm(request.POST, locality=locality)
        if form.is_valid():
            try:
                feedback = services.feedback_submit(
                    locality=locality, data=form.feedback_input(), ip=client_ip(request)
                )
            except TooManyRequests as exc:
                return _too_many(request, exc)
            except services.FeedbackInvalid as exc:  # the form checked the same rules: only a race
                for field, message in exc.problems.items():
                    form.add_error(field, message)
            else:
                return HttpResponseRedirect(reverse("feedback:sent", args=[feedback.reference]))
        status = 422
    else:
        initial = _initial(request, locality)
        if kind is not None:
            initial["kind"] = kind
        form = FeedbackForm(initial=initial, locality=locality)
    chosen = form.data.get("kind") if form.is_bound else form.initial.get("kind")
    department = getattr(locality, "department", None)
    return render(
        request,
        "feedback/new.html",
        {
            "shown_locality": locality,
            "department": department,
            "form": form,
            "corruption": chosen == Kind.CORRUPTION,
        },
        status=status,
    )


@require_GET
def feedback_sent(request: HttpRequest, reference: str) -> HttpResponse:
    """The thank-you page after sending: the reference and the status, nothing the sender typed."""
    return _status_page(request, reference, template="feedback/sent.html")


@require_GET
def feedback_status(request: HttpRequest) -> HttpResponse:
    """Look a message up by its reference (GET: the reference is not personal data) and show its status."""
    form = ReferenceForm(request.GET or None)
    if form.is_bound:
        if form.is_valid():
            try:
                found = selectors.feedback_public_status(reference=form.cleaned_data["reference"])
            except NotFound as exc:
                form.add_error("reference", str(exc.message))
                return render(request, "feedback/status_lookup.html", {"form": form}, status=404)
            return HttpResponseRedirect(reverse("feedback:status_detail", args=[found.reference]))
        return render(request, "feedback/status_lookup.html", {"form": form}, status=422)
    return render(request, "feedback/status_lookup.html", {"form": form})


@require_GET
def feedback_status_detail(request: HttpRequest, reference: str) -> HttpResponse:
    return _status_page(request, reference, template="feedback/status.html")


def _status_page(request: HttpRequest, reference: str, *, template: str) -> HttpResponse:
    try:
        found = selectors.feedback_public_status(reference=reference)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    if found.reference != reference:  # lower case or without dashes: one canonical address
        view_name = request.resolver_match.view_name if request.resolver_match else "feedback:status_detail"
        return HttpResponseRedirect(reverse(view_name, args=[found.reference]))
    response = render(request, template, {"feedback": found})
    # The reference works like a key to the answer: keep the page out of shared caches and search engines.
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex"
    return response
