"""Staff sign-in: username and password, then the authenticator's code (enrolled on the first sign-in)."""

from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from kezek.core.errors import DomainError, TooManyRequests
from kezek.core.http import client_ip

from .. import services
from ..forms import StaffLoginForm, TotpForm


def _next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("staff:home")


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """Step 1: username and password (rate-limited)."""
    form = StaffLoginForm(request.POST or None)
    status = 200
    retry_after: int | None = None
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                user = services.staff_password_check(
                    username=form.cleaned_data["username"],
                    password=form.cleaned_data["password"],
                    ip=client_ip(request),
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
                status = exc.status
                retry_after = exc.retry_after if isinstance(exc, TooManyRequests) else None
            else:
                auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                query = urlencode({"next": _next(request)})
                return HttpResponseRedirect(f"{reverse('staff:otp')}?{query}")
    response = render(request, "staff/login.html", {"form": form, "next": _next(request)}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _qr_data_uri(config_url: str) -> str:
    return segno.make(config_url, error="m").svg_data_uri(scale=4, border=2)


@require_http_methods(["GET", "POST"])
def otp(request: HttpRequest) -> HttpResponse:
    """Step 2: the code of the authenticator app; on the first sign-in, scan the QR code first."""
    user = request.user
    if not user.is_authenticated:
        return HttpResponseRedirect(reverse("staff:login"))
    device = services.staff_device(user=user)
    enrol = services.staff_totp_enrol(user=user) if device is None else None
    form = TotpForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                verified = services.staff_totp_verify(user=user, token=form.cleaned_data["token"])
            except DomainError as exc:
                form.add_error("token", str(exc.message))
                status = exc.status
            else:
                request.session.cycle_key()
                otp_login(request, verified)
                return HttpResponseRedirect(_next(request))
    context = {
        "form": form,
        "next": _next(request),
        "enrol_qr": _qr_data_uri(enrol.config_url) if enrol else None,
        "enrol_secret": b32encode(enrol.bin_key).decode() if enrol else None,  # to type in instead
    }
    return render(request, "staff/otp.html", context, status=status)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth_logout(request)
    return HttpResponseRedirect(reverse("staff:login"))


urlpatterns = [
    path("login/", login, name="login"),
    path("login/code/", otp, name="otp"),
    path("logout/", logout, name="logout"),
]
