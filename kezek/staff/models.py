"""Staff roles and their scope: who may see and change what (issue #6).

A staff user has one profile: a role and the one locality, organisation or region it covers. The
database refuses a profile whose scope does not fit its role.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kezek.facilities.models import Locality, Organisation, Region


class Role(models.TextChoices):
    OPERATOR = "operator", _("department operator")
    DEPARTMENT_HEAD = "department_head", _("department head")
    KINDERGARTEN_HEAD = "kindergarten_head", _("kindergarten head")
    KINDERGARTEN_STAFF = "kindergarten_staff", _("kindergarten staff")
    TEACHER = "teacher", _("teacher")
    NURSE = "nurse", _("nurse")
    AUDITOR = "auditor", _("auditor")
    ADMINISTRATOR = "administrator", _("administrator")


DEPARTMENT_ROLES = (Role.OPERATOR, Role.DEPARTMENT_HEAD)
KINDERGARTEN_ROLES = (Role.KINDERGARTEN_HEAD, Role.KINDERGARTEN_STAFF)
# Roles of one kindergarten that do not run its admissions: a teacher keeps the timesheets of the groups
# assigned to them, a nurse the children's health records (issue #18).
CARE_ROLES = (Role.TEACHER, Role.NURSE)
ORGANISATION_ROLES = (*KINDERGARTEN_ROLES, *CARE_ROLES)

_NO_SCOPE = Q(region__isnull=True, locality__isnull=True, organisation__isnull=True)
_SCOPE_FITS_ROLE = (
    Q(role__in=DEPARTMENT_ROLES, locality__isnull=False, region__isnull=True, organisation__isnull=True)
    | Q(
        role__in=ORGANISATION_ROLES,
        organisation__isnull=False,
        region__isnull=True,
        locality__isnull=True,
    )
    | Q(role=Role.AUDITOR, organisation__isnull=True, locality__isnull=False, region__isnull=True)
    | Q(role=Role.AUDITOR, organisation__isnull=True, locality__isnull=True, region__isnull=False)
    | (Q(role=Role.ADMINISTRATOR) & _NO_SCOPE)
)


class StaffProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="staff_profile",
        verbose_name=_("user"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("region")
    )
    locality = models.ForeignKey(
        Locality,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("locality"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("organisation"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("staff profile")
        verbose_name_plural = _("staff profiles")
        constraints = [
            models.CheckConstraint(condition=_SCOPE_FITS_ROLE, name="staff_profile_scope_fits_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"
