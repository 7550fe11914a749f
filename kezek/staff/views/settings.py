"""The locality's settings (issue #6): the queue's ratio (Q4) and the distribution settings (P2–P4), their
history from the ledger with dates and who changed them. Department heads and administrators change them;
operators and auditors read. Each change is a public ledger event (shown on the portal's rules page)."""

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from kezek.core.errors import DomainError
from kezek.facilities.models import Locality
from kezek.placement import selectors as placement_selectors
from kezek.placement import services as placement
from kezek.waitlist.selectors import priority_ratio

from ..auth import staff_required
from ..forms_organisations import SettingsForm
from ..models import Role
from ..selectors import Scope

WRITE = (Role.DEPARTMENT_HEAD, Role.ADMINISTRATOR)
READ = (Role.OPERATOR, Role.AUDITOR, *WRITE)
PLACEMENT_FIELDS = SettingsForm.Meta.fields


def _locality(scope: Scope, code: str | None) -> Locality:
    localities = scope.localities()
    locality = localities.filter(code=code).first() if code else localities.first()
    if locality is None:
        raise Http404
    return locality


@require_http_methods(["GET", "POST"])
@staff_required(*READ)
def locality_settings(request: HttpRequest) -> HttpResponse:
    scope: Scope = request.scope  # type: ignore[attr-defined]
    may_change = scope.role in WRITE
    if request.method == "POST" and not may_change:
        return render(request, "staff/forbidden.html", status=403)
    code = request.POST.get("locality") if request.method == "POST" else request.GET.get("locality")
    locality = _locality(scope, code)
    current = placement_selectors.placement_settings(locality=locality)
    ratio = priority_ratio(locality_id=locality.pk)
    form = SettingsForm(
        request.POST if request.method == "POST" else None,
        instance=current,
        initial={"priority_ratio": ratio},
    )
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                placement.locality_settings_update(
                    locality=locality,
                    by_staff=request.user,  # type: ignore[arg-type]
                    priority_ratio=form.cleaned_data["priority_ratio"],
                    **{name: form.cleaned_data[name] for name in PLACEMENT_FIELDS},
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
                status = exc.status
            else:
                return HttpResponseRedirect(f"{reverse('staff:settings')}?locality={locality.code}")
        current = placement_selectors.placement_settings(locality=locality)
    history = placement_selectors.settings_history(locality=locality)
    users = User.objects.in_bulk({change.by for change in history if change.by is not None})
    return render(
        request,
        "staff/settings/settings.html",
        {
            "locality": locality,
            "localities": scope.localities(),
            "current": current,
            "ratio": ratio,
            "form": form,
            "may_change": may_change,
            "history": [(change, users.get(change.by) if change.by else None) for change in history],
        },
        status=status,
    )


urlpatterns = [path("settings/", locality_settings, name="settings")]
