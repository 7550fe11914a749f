"""Template helpers of development monitoring: a bilingual field in the reader's language, a dict's value."""

from collections.abc import Mapping
from typing import Any

from django import template

from kezek.monitoring.selectors import localized as localized_field

register = template.Library()


@register.simple_tag
def localized(row: Any, name: str) -> str:
    """`{% localized indicator "text" %}`: text_kk in Kazakh, else text_ru."""
    return localized_field(row, name)


@register.filter
def get(mapping: Mapping[str, Any], key: str) -> Any:
    return mapping.get(key) if isinstance(mapping, Mapping) else None
