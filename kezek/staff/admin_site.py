from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_otp.admin import OTPAdminSite

from .models import Role
from .selectors import staff_profile


class KezekAdminSite(OTPAdminSite):
    """The Django admin: superusers or administrators only, with a verified second factor. Department and
    kindergarten staff work in the scoped back-office (/staff/), never here."""

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):  # active, is_staff, OTP-verified
            return False
        profile = staff_profile(request.user)
        return bool(request.user.is_superuser or (profile and profile.role == Role.ADMINISTRATOR))

    def login(self, request: HttpRequest, extra_context: dict[str, object] | None = None) -> HttpResponse:
        """One sign-in for all staff: the back-office's (password, then the authenticator, rate-limited)."""
        query = urlencode({"next": request.GET.get("next") or reverse("admin:index")})
        return HttpResponseRedirect(f"{reverse('staff:login')}?{query}")
