"""Writes of organisations and groups by the education department (issue #6): create, edit the passport,
create and edit a group. Each is one transaction with its ledger event (who, what changed).

Seats are placement's business: a group's capacity, closure and its children's transfers are changed by
`kezek.placement.services` (which publishes or withdraws the places in the same transaction)."""

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from kezek.core.errors import Conflict, ValidationFailed
from kezek.core.iin import is_valid_bin
from kezek.ledger.services import ledger_append

from .locks import group_lock, organisation_lock
from .models import BaseFee, EducationDepartment, Group, Locality, Organisation

ORGANISATION_FIELDS = (
    "name_kk",
    "name_ru",
    "kind",
    "ownership",
    "address",
    "phone",
    "website",
    "email",
    "work_week",
    "opens_at",
    "closes_at",
    "duty_group",
    "extra_equipment",
)
GROUP_FIELDS = ("name", "language", "kind", "age_from", "age_to", "stay_mode")  # stay_mode: E20
Fee = tuple[int, int, int]  # age from, age to (exclusive), monthly fee


def _checked(instance: Organisation | Group | BaseFee, *, exclude: Iterable[str] = ()) -> None:
    try:
        instance.full_clean(exclude=list(exclude), validate_unique=False)
    except DjangoValidationError as exc:
        raise ValidationFailed(_("Check the values: %(errors)s") % {"errors": _flat(exc)}) from exc


def _flat(exc: DjangoValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{name}: {' '.join(map(str, errors))}" for name, errors in exc.message_dict.items())
    return " ".join(map(str, exc.messages))


def _fees_checked(organisation: Organisation, fees: Iterable[Fee]) -> list[BaseFee]:
    rows = [
        BaseFee(organisation=organisation, age_from=a, age_to=b, monthly_fee=fee)
        for a, b, fee in sorted(fees)
    ]
    starts = [row.age_from for row in rows]
    if len(set(starts)) != len(starts):
        raise ValidationFailed(_("Two fees start at the same age."), code="fee_duplicate")
    for row in rows:
        if not row.age_from < row.age_to <= 8:
            raise ValidationFailed(_("A fee's age range is not possible."), code="fee_range")
    return rows


def _fees_of(organisation: Organisation) -> list[list[int]]:
    return [
        [fee.age_from, fee.age_to, fee.monthly_fee] for fee in organisation.base_fees.order_by("age_from")
    ]


def _values(instance: Organisation | Group, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in names}


def organisation_create(
    *, locality: Locality, by_staff: AbstractBaseUser, bin: str, fees: Iterable[Fee] = (), **fields: Any
) -> Organisation:
    """A new organisation of `locality` (its education department's), with its passport and fees."""
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown field."), code="field_unknown")
    if not is_valid_bin(bin):
        raise ValidationFailed(_("The BIN is not valid."), code="bin_invalid")
    department = EducationDepartment.objects.filter(locality=locality).first()
    if department is None:
        raise Conflict(_("This locality has no education department yet."), code="no_department")
    organisation = Organisation(locality=locality, department=department, bin=bin, **fields)
    _checked(organisation, exclude=["bin"])
    try:
        with transaction.atomic():
            organisation.save()
            BaseFee.objects.bulk_create(_fees_checked(organisation, fees))
            ledger_append(
                kind="organisation.created",
                subject_type="organisation",
                subject_id=str(organisation.pk),
                locality_code=locality.code,
                payload={
                    "bin": bin,
                    **_values(organisation, ORGANISATION_FIELDS),
                    "fees": _fees_of(organisation),
                    "by": by_staff.pk,
                },
            )
    except IntegrityError as exc:
        raise Conflict(_("An organisation with this BIN already exists."), code="bin_taken") from exc
    return organisation


def organisation_update(
    *,
    organisation: Organisation,
    by_staff: AbstractBaseUser,
    fees: Iterable[Fee] | None = None,
    **fields: Any,
) -> Organisation:
    """Edit the passport (names, kind, ownership, contacts, hours, duty group, equipment) and the base fees.
    The BIN, locality and department are not editable here. The ledger event holds the old and new values
    of what changed; nothing changed → no event."""
    unknown = set(fields) - set(ORGANISATION_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown field."), code="field_unknown")
    with transaction.atomic():
        organisation = organisation_lock(organisation.pk)
        before = _values(organisation, fields)
        old_fees = _fees_of(organisation)
        for name, value in fields.items():
            setattr(organisation, name, value)
        _checked(organisation)
        changed = {name: [before[name], value] for name, value in fields.items() if before[name] != value}
        new_fees = old_fees
        if fees is not None:
            rows = _fees_checked(organisation, fees)
            new_fees = [[row.age_from, row.age_to, row.monthly_fee] for row in rows]
            if new_fees != old_fees:
                # The fee table is passport data (a price list), replaced as a whole; the ledger keeps both.
                organisation.base_fees.all().delete()
                BaseFee.objects.bulk_create(rows)
                changed["fees"] = [old_fees, new_fees]
        if not changed:
            return organisation
        organisation.save(update_fields=list(fields) or None)
        ledger_append(
            kind="organisation.updated",
            subject_type="organisation",
            subject_id=str(organisation.pk),
            locality_code=organisation.locality.code,
            payload={"changed": changed, "by": by_staff.pk},
        )
    return organisation


def group_create(
    *,
    organisation: Organisation,
    by_staff: AbstractBaseUser,
    capacity: int,
    academic_year: int,
    **fields: Any,
) -> Group:
    """A new active group of `organisation`. Call it through `placement.services.group_open`, which
    publishes its seats in the same transaction (P1)."""
    unknown = set(fields) - set(GROUP_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown field."), code="field_unknown")
    if not organisation.is_active:
        raise Conflict(_("The organisation is not active."), code="organisation_inactive")
    group = Group(organisation=organisation, capacity=capacity, academic_year=academic_year, **fields)
    _checked(group)
    if Group.objects.filter(organisation=organisation, name=group.name, academic_year=academic_year).exists():
        raise Conflict(_("The organisation already has a group with this name this year."), code="name_taken")
    with transaction.atomic():
        group.save()
        ledger_append(
            kind="group.created",
            subject_type="group",
            subject_id=str(group.pk),
            locality_code=organisation.locality.code,
            payload=group_created_payload(group, by=by_staff.pk),
        )
    return group


def group_created_payload(group: Group, *, by: int | None) -> dict[str, Any]:
    """The `group.created` event's payload (also the demo's, whose groups are loaded in bulk)."""
    return {
        "organisation": group.organisation_id,
        **_values(group, (*GROUP_FIELDS, "capacity", "academic_year")),
        "by": by,
    }


def group_update(*, group: Group, by_staff: AbstractBaseUser, **fields: Any) -> Group:
    """Edit a group's name, language, kind, age range or stay mode (not its capacity: `placement.services.
    group_capacity_change`; not a closed group). Nothing changed → no event."""
    unknown = set(fields) - set(GROUP_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown field."), code="field_unknown")
    with transaction.atomic():
        group = group_lock(group.pk)
        if not group.is_active:
            raise Conflict(_("The group is closed."), code="group_closed")
        before = _values(group, fields)
        for name, value in fields.items():
            setattr(group, name, value)
        _checked(group)
        changed = {name: [before[name], value] for name, value in fields.items() if before[name] != value}
        if not changed:
            return group
        clash = Group.objects.filter(
            organisation_id=group.organisation_id, name=group.name, academic_year=group.academic_year
        ).exclude(pk=group.pk)
        if clash.exists():
            raise Conflict(
                _("The organisation already has a group with this name this year."), code="name_taken"
            )
        group.save(update_fields=list(fields))
        ledger_append(
            kind="group.updated",
            subject_type="group",
            subject_id=str(group.pk),
            locality_code=group.organisation.locality.code,
            payload={"organisation": group.organisation_id, "changed": changed, "by": by_staff.pk},
        )
    return group
