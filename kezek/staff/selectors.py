"""Reads of the back-office: a staff user's scope, and every query narrowed to it.

Back-office views and staff API handlers never query a domain table directly for a staff user: they ask
`scope.filter(queryset, locality=…, organisation=…)` or `scope.get(…)`, so a user of organisation X or
locality Y cannot read or change anything of another (404, as if it did not exist).
"""

from dataclasses import dataclass
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Model, QuerySet
from django.utils.translation import gettext_lazy as _

from kezek.core.errors import NotFound, PermissionDenied
from kezek.facilities.models import Locality, Organisation

from .models import DEPARTMENT_ROLES, KINDERGARTEN_ROLES, Role, StaffProfile

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    """What one staff user covers. `locality_ids` None means every locality (administrator)."""

    user_id: int
    role: str
    locality_ids: frozenset[int] | None
    organisation_id: int | None

    @property
    def read_only(self) -> bool:
        return self.role == Role.AUDITOR

    @property
    def is_department(self) -> bool:
        """Department work (organisations, benefits, stop-list, settings): operators, heads, admins."""
        return self.role in (*DEPARTMENT_ROLES, Role.ADMINISTRATOR)

    @property
    def is_kindergarten(self) -> bool:
        return self.role in KINDERGARTEN_ROLES

    def filter(self, queryset: QuerySet[M], *, locality: str, organisation: str | None = None) -> QuerySet[M]:
        """The rows of `queryset` inside the scope. `locality` and `organisation` are the lookups from the
        row to its locality and organisation ids (e.g. "group__organisation__locality"); rows that belong
        to no organisation are outside a kindergarten's scope."""
        if self.organisation_id is not None:
            if organisation is None:
                return queryset.none()
            return queryset.filter(**{organisation: self.organisation_id})
        if self.locality_ids is None:
            return queryset
        return queryset.filter(**{f"{locality}__in": self.locality_ids})

    def get(
        self, queryset: QuerySet[M], *, locality: str, organisation: str | None = None, **lookup: object
    ) -> M:
        """One row inside the scope, or NotFound (another scope's row looks exactly like a missing one)."""
        found = self.filter(queryset, locality=locality, organisation=organisation).filter(**lookup).first()
        if found is None:
            raise NotFound(_("Not found."))
        return found

    def localities(self) -> QuerySet[Locality]:
        return self.filter(Locality.objects.order_by("name_ru"), locality="pk")

    def organisations(self) -> QuerySet[Organisation]:
        return self.filter(Organisation.objects.order_by("name_ru"), locality="locality", organisation="pk")


def staff_profile(user: AbstractBaseUser | AnonymousUser) -> StaffProfile | None:
    if not user.is_authenticated:
        return None
    return StaffProfile.objects.filter(user_id=user.pk, is_active=True, user__is_active=True).first()


def scope_of(user: AbstractBaseUser | AnonymousUser) -> Scope:
    """The user's scope; PermissionDenied for anyone without an active staff profile."""
    profile = staff_profile(user)
    if profile is None:
        raise PermissionDenied(_("This account has no back-office role."))
    if profile.role == Role.ADMINISTRATOR:
        return Scope(user_id=profile.user_id, role=profile.role, locality_ids=None, organisation_id=None)
    if profile.organisation_id is not None:
        locality_id = Organisation.objects.values_list("locality_id", flat=True).get(
            pk=profile.organisation_id
        )
        return Scope(
            user_id=profile.user_id,
            role=profile.role,
            locality_ids=frozenset({locality_id}),
            organisation_id=profile.organisation_id,
        )
    if profile.region_id is not None:
        ids = frozenset(Locality.objects.filter(region_id=profile.region_id).values_list("pk", flat=True))
        return Scope(user_id=profile.user_id, role=profile.role, locality_ids=ids, organisation_id=None)
    # The check constraint: every other role has a locality.
    return Scope(
        user_id=profile.user_id,
        role=profile.role,
        locality_ids=frozenset({profile.locality_id}) if profile.locality_id else frozenset(),
        organisation_id=None,
    )
