"""Row locks of organisations and groups (order: `kezek.core.locks`). A group's lock serialises its seat
accounting (placement) and its edits; it comes first of all locks."""

from collections.abc import Iterable

from kezek.core.locks import locked

from .models import Group, Organisation


def group_lock(pk: int) -> Group:
    """The group, locked, with its organisation and locality read (not locked)."""
    return locked(Group.objects.select_related("organisation__locality")).get(pk=pk)


def groups_lock(pks: Iterable[int]) -> dict[int, Group]:
    """Several groups, locked one by one in primary-key order (lower first): {pk: group}."""
    return {pk: group_lock(pk) for pk in sorted(set(pks))}


def organisation_lock(pk: int) -> Organisation:
    """The organisation, locked, with its locality read (not locked)."""
    return locked(Organisation.objects.select_related("locality")).get(pk=pk)
