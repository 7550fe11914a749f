"""Public pages: home with the location selector, organisation list and passport, the FAQ and "how places
are distributed" (the rules in force for the visitor's locality), the transparency log; /favicon.ico."""

import functools
from pathlib import Path

from django.contrib.staticfiles import finders
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from kezek.confirmation import selectors as confirmation
from kezek.core.errors import NotFound
from kezek.facilities import selectors as facilities
from kezek.facilities.models import Language, Locality
from kezek.opendata import selectors as opendata

from . import selectors
from .forms import OrganisationFilterForm

LOCALITY_COOKIE_AGE = 365 * 24 * 3600
PAGE_SIZE = 20


def _current_or_first(request: HttpRequest) -> Locality | None:
    return facilities.locality_for_request(request) or facilities.locality_list().first()


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The services; once the visitor has chosen a location, its figures, banner and organisations —
    until then only the question (no other location's data under it)."""
    locality = facilities.locality_for_request(request)
    organisations = facilities.organisation_list(locality_id=locality.pk) if locality else None
    page = Paginator(organisations, PAGE_SIZE).get_page(1) if organisations is not None else None
    return render(
        request,
        "portal/home.html",
        {
            "shown_locality": locality,
            "page": page,
            "location_chosen": locality is not None,
            "any_locality": facilities.locality_list().exists(),
            "figures": opendata.figures(locality=locality) if locality else None,
            "recent_days": opendata.RECENT_DAYS,
            "campaign": confirmation.campaign_current(locality=locality) if locality else None,
        },
    )


@require_POST
def location_set(request: HttpRequest) -> HttpResponse:
    """Remember the visitor's location (a cookie: no session is created for anonymous visitors)."""
    code = request.POST.get("locality", "")
    try:
        locality = facilities.locality_get(code=code)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    next_url = request.POST.get("next") or reverse("portal:home")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("portal:home")
    response = HttpResponseRedirect(next_url)
    response.set_cookie(
        facilities.LOCALITY_COOKIE,
        locality.code,
        max_age=LOCALITY_COOKIE_AGE,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response


@require_GET
def organisation_list(request: HttpRequest) -> HttpResponse:
    locality = _current_or_first(request)
    form = OrganisationFilterForm(request.GET or None)
    organisations = None
    if locality is not None and (not form.is_bound or form.is_valid()):
        data = form.cleaned_data if form.is_bound else {}
        age = data.get("age")
        organisations = facilities.organisation_list(
            locality_id=locality.pk,
            ownership=data.get("ownership") or None,
            kind=data.get("kind") or None,
            language=data.get("language") or None,
            name=data.get("name") or None,
            age_from=age,
            age_to=age + 1 if age is not None else None,
        )
    page = (
        Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
        if organisations is not None
        else None
    )
    return render(
        request,
        "portal/organisation_list.html",
        {"shown_locality": locality, "form": form, "page": page},
    )


@require_GET
def organisation_detail(request: HttpRequest, organisation_id: int) -> HttpResponse:
    try:
        organisation = facilities.organisation_passport(organisation_id=organisation_id)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    return render(
        request,
        "portal/organisation_detail.html",
        {
            "organisation": organisation,
            "languages": [Language(code).label for code in facilities.organisation_languages(organisation)],
            "age_ranges": selectors.passport_places(organisation=organisation),
        },
    )


def _locality_from_query_or_visitor(request: HttpRequest) -> Locality | None:
    """`?locality=<code>` (a link to another locality's rules), else the visitor's, else the first."""
    code = request.GET.get("locality", "")
    if code:
        try:
            return facilities.locality_get(code=code)
        except NotFound as exc:
            raise Http404(str(exc)) from exc
    return _current_or_first(request)


@require_GET
def faq(request: HttpRequest) -> HttpResponse:
    locality = _current_or_first(request)
    rules = selectors.rules_in_force(locality=locality) if locality else None
    return render(request, "portal/faq.html", {"shown_locality": locality, "rules": rules})


@require_GET
def how(request: HttpRequest) -> HttpResponse:
    locality = _locality_from_query_or_visitor(request)
    rules = selectors.rules_in_force(locality=locality) if locality else None
    return render(request, "portal/how.html", {"shown_locality": locality, "rules": rules})


@require_GET
def transparency(request: HttpRequest) -> HttpResponse:
    """The transparency log explained: what is published and what never is, the latest signed checkpoint,
    the latest integrity check, the public key and how to check everything with the independent verifier."""
    return render(
        request,
        "portal/transparency.html",
        {"log": selectors.transparency(), "site": request.build_absolute_uri("/").rstrip("/")},
    )


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for whatever the page links: the static icon itself (no redirect),
    cached for a day."""
    response = HttpResponse(_favicon(), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@functools.cache
def _favicon() -> bytes:
    found = finders.find("favicon.ico")
    if not isinstance(found, str):
        raise Http404
    return Path(found).read_bytes()
