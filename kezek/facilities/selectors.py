"""Reads of localities, organisations and groups."""

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest

from kezek.core.errors import NotFound

from .models import Group, Locality, Organisation

LOCALITY_COOKIE = "kezek_locality"


def locality_list() -> QuerySet[Locality]:
    return Locality.objects.select_related("region").order_by("name_ru")


def locality_get(*, code: str) -> Locality:
    locality = Locality.objects.filter(code=code).first()
    if locality is None:
        raise NotFound("Locality not found.")
    return locality


def locality_for_request(request: HttpRequest) -> Locality | None:
    """The locality chosen by the visitor (cookie), or None when not chosen yet."""
    code = request.COOKIES.get(LOCALITY_COOKIE)
    if not code:
        return None
    return Locality.objects.filter(code=code).first()


def organisation_list(
    *,
    locality_id: int | None = None,
    ownership: str | None = None,
    language: str | None = None,
    kind: str | None = None,
    age_from: int | None = None,
    age_to: int | None = None,
    name: str | None = None,
) -> QuerySet[Organisation]:
    """Active organisations; language and age filters match organisations with such an active group."""
    qs = Organisation.objects.filter(is_active=True).select_related("locality")
    if locality_id is not None:
        qs = qs.filter(locality_id=locality_id)
    if ownership:
        qs = qs.filter(ownership=ownership)
    if kind:
        qs = qs.filter(kind=kind)
    if name:
        qs = qs.filter(Q(name_ru__icontains=name) | Q(name_kk__icontains=name))
    if language or age_from is not None or age_to is not None:
        groups = Group.objects.filter(organisation=OuterRef("pk"), is_active=True)
        if language:
            groups = groups.filter(language=language)
        # Overlap of [age_from, age_to) with the group's [from, to).
        if age_to is not None:
            groups = groups.filter(age_from__lt=age_to)
        if age_from is not None:
            groups = groups.filter(age_to__gt=age_from)
        qs = qs.filter(Exists(groups))
    return qs.order_by("name_ru", "id")


def organisation_passport(*, organisation_id: int) -> Organisation:
    """One organisation with its fees and active groups, for the passport page."""
    organisation = (
        Organisation.objects.filter(pk=organisation_id, is_active=True)
        .select_related("locality", "department")
        .prefetch_related(
            "base_fees",
            Prefetch(
                "groups",
                queryset=Group.objects.filter(is_active=True).order_by("age_from", "language", "name"),
                to_attr="active_groups",
            ),
        )
        .first()
    )
    if organisation is None:
        raise NotFound("Organisation not found.")
    return organisation


def organisation_languages(organisation: Organisation) -> list[str]:
    """Languages of instruction, derived from the active groups (prefetched by the passport)."""
    groups: list[Group] = getattr(organisation, "active_groups", None) or list(
        organisation.groups.filter(is_active=True)
    )
    return sorted({group.language for group in groups})
