"""The yearly confirmation for the department (issue #7): the campaigns of the user's localities, launching
one (with a confirmation step that says who gets the message and what happens at the end), and each
campaign's analytics (C5) — expected load per kindergarten, a map of the districts drawn from the
organisations' coordinates, the distributions of the answers, the trends between campaigns — with their
CSV downloads. Only counts: no page here names an applicant. Auditors read; kindergartens see nothing."""

import datetime as dt
import math
from collections.abc import Callable
from typing import Any

from django import forms
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from kezek.confirmation import analytics, services
from kezek.confirmation.analytics import Distribution, Load, Trend
from kezek.confirmation.models import Campaign
from kezek.core import clock
from kezek.core.errors import Conflict, DomainError, NotFound
from kezek.core.forms_views import form_posted
from kezek.facilities.models import Locality

from ..auth import staff_required
from ..forms_kindergarten import _date_field
from ..navigation import DEPARTMENT, DEPARTMENT_READ
from ..reports import Report, Series, bar_chart, csv_response
from ..selectors import Scope


def _scope(request: HttpRequest) -> Scope:
    return request.scope  # type: ignore[attr-defined]


def _campaign(request: HttpRequest, campaign_id: int) -> Campaign:
    """The campaign inside the user's scope; another locality's looks exactly like a missing one (404)."""
    try:
        return _scope(request).get(
            Campaign.objects.select_related("locality"), locality="locality", pk=campaign_id
        )
    except NotFound as exc:
        raise Http404 from exc


# ----------------------------------------------------------------------------------------------- list


@require_GET
@staff_required(*DEPARTMENT_READ)
def campaign_list(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    campaigns = scope.filter(Campaign.objects.order_by("-starts_at", "-pk"), locality="locality")
    return render(
        request,
        "staff/campaigns/list.html",
        {
            "rows": analytics.campaign_rows(campaigns=campaigns),
            "several": scope.localities().count() > 1,
            "may_launch": not scope.read_only,
        },
    )


# --------------------------------------------------------------------------------------------- launch


class LaunchForm(forms.Form):
    """Where (for a user covering several localities), from which day, until which day. Without a last day
    the campaign lasts one month from its start; the first day today means now. The page posts it twice:
    first to show what the launch will do, then (with `confirmed=1`) to launch."""

    locality = forms.ModelChoiceField(label=_("Locality"), queryset=Locality.objects.none())
    starts_on = _date_field(_("First day"), help_text=_("Today means at once."))
    ends_on = _date_field(
        _("Last day to answer"),
        required=False,
        help_text=_(
            "Leave empty for one month from the start. The campaign ends at midnight after this day."
        ),
    )
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localities = scope.localities()
        if localities.count() == 1:
            self.only_locality: Locality | None = localities.get()
            del self.fields["locality"]
        else:
            self.only_locality = None
            self.fields["locality"].queryset = localities  # type: ignore[attr-defined]

    def clean_starts_on(self) -> dt.date:
        starts_on: dt.date = self.cleaned_data["starts_on"]
        if starts_on < clock.today():
            raise forms.ValidationError(_("The first day cannot be in the past."), code="past")
        return starts_on

    def launch_values(self) -> tuple[Locality, dt.datetime | None, dt.datetime | None]:
        """The locality and the moments the service takes (None: its defaults, now and a month later)."""
        data = self.cleaned_data
        locality = self.only_locality or data["locality"]
        starts_on: dt.date = data["starts_on"]
        ends_on: dt.date | None = data["ends_on"]
        starts_at = None if starts_on == clock.today() else _midnight(starts_on)
        ends_at = _midnight(ends_on + dt.timedelta(days=1)) if ends_on else None
        return locality, starts_at, ends_at


def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=clock.local_tz())


def _field_of(exc: DomainError) -> str | None:
    return "ends_on" if exc.code == "ends_at" else None


@require_http_methods(["GET", "POST"])
@staff_required(*DEPARTMENT)
def campaign_launch(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    posted = request.method == "POST"
    form = LaunchForm(request.POST if posted else None, scope=scope, initial={"starts_on": clock.today()})
    status = 200
    if posted and "change" not in request.POST:

        def launch(data: dict[str, Any]) -> HttpResponse:
            locality, starts_at, ends_at = form.launch_values()
            if request.POST.get("confirmed") != "1":
                if analytics.open_campaign(locality=locality) is not None:  # say so before confirming
                    raise Conflict(_("This locality's previous campaign is not closed yet."))
                audience = analytics.launch_audience(locality=locality, starts_at=starts_at or clock.now())
                context = {
                    "form": form,
                    "locality": locality,
                    "starts_at": starts_at,
                    "ends_at": ends_at,
                    "audience": audience,
                }
                return render(request, "staff/campaigns/confirm.html", context)
            campaign = services.campaign_launch(
                locality=locality,
                by_staff=request.user,  # type: ignore[arg-type]
                starts_at=starts_at,
                ends_at=ends_at,
            )
            return HttpResponseRedirect(reverse("staff:campaign", args=[campaign.pk]))

        done, status = form_posted(form, launch, field=_field_of)
        if done is not None:
            return done
    return render(request, "staff/campaigns/launch.html", {"form": form}, status=status)


# --------------------------------------------------------------------------------------------- extend


class ExtendForm(forms.Form):
    """A later last day to answer, while the campaign has not ended (an end is never brought forward)."""

    ends_on = _date_field(
        _("New last day to answer"), help_text=_("The campaign then ends at midnight after this day.")
    )


@require_http_methods(["GET", "POST"])
@staff_required(*DEPARTMENT)
def campaign_extend(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    posted = request.method == "POST"
    form = ExtendForm(request.POST if posted else None)
    status = 200
    if posted:

        def extend(data: dict[str, Any]) -> HttpResponse:
            services.campaign_extend(
                campaign=campaign,
                ends_at=_midnight(data["ends_on"] + dt.timedelta(days=1)),
                by_staff=request.user,  # type: ignore[arg-type]
            )
            return HttpResponseRedirect(reverse("staff:campaign", args=[campaign.pk]))

        done, status = form_posted(form, extend, field=_field_of)
        if done is not None:
            return done
    context = {"campaign": campaign, "form": form, "open": not campaign.ended_at(clock.now())}
    return render(request, "staff/campaigns/extend.html", context, status=status)


# ------------------------------------------------------------------------------------------ analytics


def load_report(campaign: Campaign, load: Load) -> Report:
    rows = load.kindergartens
    title = _("Expected load on each kindergarten")
    slug = f"campaign-{campaign.pk}-load"
    return Report(
        slug=slug,
        title=title,
        description=_(
            "Question 1: how many applicants chose each kindergarten (at any rank and as first choice) "
            "against the capacity of its active groups; the most loaded first. The expected demand "
            "extrapolates the kindergarten's share of first choices to the %(queued)s applications in "
            "the queue (%(answered)s applicants answered)."
        )
        % {"queued": load.queued, "answered": load.answered},
        columns=[
            _("Kindergarten"),
            _("Chosen"),
            _("As first choice"),
            _("Capacity"),
            _("Chosen per place"),
            _("Expected demand from the queue"),
            _("Expected per place"),
            _("Overloaded"),
        ],
        rows=[
            [
                row.name,
                row.chosen,
                row.first_choice,
                row.capacity,
                row.ratio,
                row.expected,
                row.expected_ratio,
                row.overloaded,
            ]
            for row in rows
        ],
        chart=bar_chart(
            slug=slug,
            title=title,
            categories=[row.name for row in rows],
            series=[
                Series(_("Chosen"), [row.chosen for row in rows]),
                Series(_("Capacity"), [row.capacity for row in rows]),
            ],
        ),
    )


def distribution_report(campaign: Campaign, distribution: Distribution) -> Report:
    slug = f"campaign-{campaign.pk}-{distribution.slug}"
    options = distribution.options
    return Report(
        slug=slug,
        title=distribution.title,
        description=_("%(total)s applicants answered this question; the share is of them.")
        % {"total": distribution.total},
        columns=[_("Answer"), _("Applicants"), _("Share, %")],
        rows=[[option.label, option.count, option.share] for option in options],
        chart=bar_chart(
            slug=slug,
            title=distribution.title,
            categories=[_share_label(option.label, option.share) for option in options],
            series=[Series(_("Applicants"), [option.count for option in options])],
        ),
    )


def _share_label(label: Any, share: Any) -> str:
    return f"{share if share is not None else 0}% · {label}"


def answers_report(campaign: Campaign, distributions: list[Distribution]) -> Report:
    """Every distribution in one table (what the CSV of the answers holds)."""
    return Report(
        slug=f"campaign-{campaign.pk}-answers",
        title=_("Answers to questions 2–6"),
        description="",
        columns=[_("Question"), _("Answer"), _("Applicants"), _("Share, %")],
        rows=[
            [distribution.title, option.label, option.count, option.share]
            for distribution in distributions
            for option in distribution.options
        ],
        chart=SafeString(""),
    )


def _campaign_label(campaign: Campaign) -> str:
    return f"{campaign.year} ({timezone.localtime(campaign.starts_at):%d.%m})"


def trends_report(campaign: Campaign, trends: list[Trend]) -> Report:
    title = _("Trends between the campaigns of the locality")
    slug = f"campaign-{campaign.pk}-trends"
    labels = [_campaign_label(trend.campaign) for trend in trends]
    return Report(
        slug=slug,
        title=title,
        description=_(
            "Every campaign of the locality, oldest first: applicants notified, applicants who answered "
            "(and their share of those notified), applications stop-listed at the end, and the shares of "
            "the main answers."
        ),
        columns=[
            _("Campaign"),
            _("Notified"),
            _("Answered"),
            _("Confirmed, %"),
            _("Stop-listed"),
            _("State, %"),
            _("Private, %"),
            _("Kazakh, %"),
            _("Russian, %"),
            _("Median payment, ₸"),
        ],
        rows=[
            [
                label,
                trend.notified,
                trend.answered,
                trend.confirmed_share,
                trend.stop_listed,
                trend.of_answers(trend.state),
                trend.of_answers(trend.private),
                trend.of_answers(trend.kazakh),
                trend.of_answers(trend.russian),
                trend.median_payment,
            ]
            for label, trend in zip(labels, trends, strict=True)
        ],
        chart=bar_chart(
            slug=slug,
            title=title,
            categories=labels,
            series=[
                Series(_("Notified"), [trend.notified for trend in trends]),
                Series(_("Answered"), [trend.answered for trend in trends]),
                Series(_("Stop-listed"), [trend.stop_listed for trend in trends]),
            ],
        ),
    )


# ------------------------------------------------------------------------------------------------ map

MAP_WIDTH = 640
MAP_HEIGHT = 440
MAP_PAD = 28
# Load bands: (upper bound of chosen per place, fill of a district, fill of a kindergarten, legend).
BANDS = (
    (0.8, "#d1fae5", "#059669", _("up to 0.8 chosen per place")),
    (1.0, "#fef3c7", "#d97706", _("0.8 to 1 chosen per place")),
    (math.inf, "#fee2e2", "#dc2626", _("overloaded: more chosen than places")),
)
NO_PLACES = "#6b7280"
EMPTY = "#f9fafb"


def _band(chosen: int, capacity: int) -> int:
    if capacity == 0:
        return len(BANDS) - 1 if chosen else 0
    share = chosen / capacity
    return next(index for index, band in enumerate(BANDS) if share <= band[0])


def load_map(load: Load, *, slug: str) -> SafeString:
    """The kindergartens with coordinates on an inline SVG (no tiles, no script, no style attribute): the
    bounding box cut into GRID × GRID districts shaded by their chosen-per-place, one circle per
    kindergarten sized by the times it was chosen and coloured by its own load."""
    rows = [row for row in load.kindergartens if row.on_map]
    box = analytics.bounds(rows)
    if box is None:
        return SafeString("")
    # Equirectangular projection: a degree of longitude is cos(latitude) of a degree of latitude.
    middle = math.radians(float(box.south + box.north) / 2)
    span_x = max(float(box.east - box.west) * math.cos(middle), 1e-9)
    span_y = max(float(box.north - box.south), 1e-9)
    scale = min((MAP_WIDTH - 2 * MAP_PAD) / span_x, (MAP_HEIGHT - 2 * MAP_PAD) / span_y)
    width, height = span_x * scale, span_y * scale
    left, top = (MAP_WIDTH - width) / 2, (MAP_HEIGHT - height) / 2

    def project(latitude: Any, longitude: Any) -> tuple[float, float]:
        x = left + float(longitude - box.west) * math.cos(middle) * scale
        y = top + float(box.north - latitude) * scale
        return x, y

    size = analytics.GRID
    parts: list[SafeString] = [
        format_html(
            '<svg class="reports-chart campaign-map" xmlns="http://www.w3.org/2000/svg" role="img" '
            'viewBox="0 0 {w} {h}" width="100%" aria-labelledby="map-{s}-title map-{s}-desc">'
            '<title id="map-{s}-title">{title}</title><desc id="map-{s}-desc">{desc}</desc>'
            '<rect x="0" y="0" width="{w}" height="{h}" fill="#ffffff"/>',
            w=MAP_WIDTH,
            h=MAP_HEIGHT + 24 * len(BANDS) + 8,
            s=slug,
            title=_("Overloaded districts"),
            desc=_("%(kindergartens)s kindergartens on a grid of %(size)s × %(size)s districts.")
            % {"kindergartens": len(rows), "size": size},
        )
    ]
    cell_w, cell_h = width / size, height / size
    for district in analytics.districts(rows, size=size):
        fill = BANDS[_band(district.chosen, district.capacity)][1] if district.kindergartens else EMPTY
        parts.append(
            format_html(
                '<rect class="campaign-district" x="{x}" y="{y}" width="{cw}" height="{ch}" fill="{fill}" '
                'stroke="#d1d5db" stroke-width="1"><title>{text}</title></rect>',
                x=f"{left + district.col * cell_w:.1f}",
                y=f"{top + district.row * cell_h:.1f}",
                cw=f"{max(cell_w, 1.0):.1f}",
                ch=f"{max(cell_h, 1.0):.1f}",
                fill=fill,
                text=_("%(kindergartens)s kindergartens: chosen %(chosen)s times, %(capacity)s places")
                % {
                    "kindergartens": district.kindergartens,
                    "chosen": district.chosen,
                    "capacity": district.capacity,
                },
            )
        )
    peak = max((row.chosen for row in rows), default=0) or 1
    for row in sorted(rows, key=lambda row: -row.chosen):  # the small ones drawn last, on top
        x, y = project(row.latitude, row.longitude)
        band = _band(row.chosen, row.capacity)
        parts.append(
            format_html(
                '<circle class="campaign-kindergarten" cx="{x}" cy="{y}" r="{r}" fill="{fill}" '
                'fill-opacity="0.8" stroke="#ffffff" stroke-width="1.5"><title>{name}: {text}</title>'
                "</circle>",
                x=f"{x:.1f}",
                y=f"{y:.1f}",
                r=f"{4 + 12 * math.sqrt(row.chosen / peak):.1f}",
                fill=NO_PLACES if row.capacity == 0 and not row.chosen else BANDS[band][2],
                name=row.name,
                text=_("chosen %(chosen)s times, %(capacity)s places")
                % {"chosen": row.chosen, "capacity": row.capacity},
            )
        )
    for index, (_bound, district_fill, point_fill, legend) in enumerate(BANDS):
        y = MAP_HEIGHT + index * 24
        parts.append(
            format_html(
                '<rect x="12" y="{y}" width="16" height="16" fill="{df}" stroke="{pf}" stroke-width="3"/>'
                '<text x="36" y="{ty}" font-size="12">{legend}</text>',
                y=y,
                df=district_fill,
                pf=point_fill,
                ty=y + 12,
                legend=legend,
            )
        )
    parts.append(SafeString("</svg>"))
    return format_html_join("", "{}", ((part,) for part in parts))


# --------------------------------------------------------------------------------------------- detail


@require_GET
@staff_required(*DEPARTMENT_READ)
def campaign_detail(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(request, campaign_id)
    load = analytics.kindergarten_load(campaign=campaign)
    distributions = analytics.answer_distributions(campaign=campaign)
    return render(
        request,
        "staff/campaigns/detail.html",
        {
            "campaign": campaign,
            "row": analytics.campaign_row(campaign=campaign),
            "may_extend": not _scope(request).read_only and not campaign.ended_at(clock.now()),
            "load": load,
            "load_report": load_report(campaign, load),
            "map": load_map(load, slug=f"campaign-{campaign.pk}"),
            "unmapped": sum(1 for row in load.kindergartens if not row.on_map),
            "distributions": [distribution_report(campaign, d) for d in distributions],
            "trends_report": _trends(campaign),
        },
    )


def _trends(campaign: Campaign) -> Report:
    return trends_report(campaign, analytics.campaign_trends(locality=campaign.locality_id))


# The CSV downloads of a campaign's analytics: the load per kindergarten, every distribution in one table,
# the trends of its locality.
EXPORTS: dict[str, Callable[[Campaign], Report]] = {
    "load": lambda campaign: load_report(campaign, analytics.kindergarten_load(campaign=campaign)),
    "answers": lambda campaign: answers_report(campaign, analytics.answer_distributions(campaign=campaign)),
    "trends": _trends,
}


@require_GET
@staff_required(*DEPARTMENT_READ)
def campaign_export(request: HttpRequest, campaign_id: int, table: str) -> HttpResponse:
    pick = EXPORTS.get(table)
    if pick is None:
        raise Http404
    campaign = _campaign(request, campaign_id)
    return csv_response(pick(campaign))


urlpatterns = [
    path("campaigns/", campaign_list, name="campaigns"),
    path("campaigns/launch/", campaign_launch, name="campaign_launch"),
    path("campaigns/<int:campaign_id>/", campaign_detail, name="campaign"),
    path("campaigns/<int:campaign_id>/extend/", campaign_extend, name="campaign_extend"),
    path("campaigns/<int:campaign_id>/<slug:table>.csv", campaign_export, name="campaign_export"),
]
