"""`{% load ages %}{% age_range group.age_from group.age_to %}`: an age range as a phrase."""

from django import template

from kezek.facilities.labels import age_range_label

register = template.Library()


@register.simple_tag
def age_range(age_from: int, age_to: int) -> str:
    return age_range_label(age_from, age_to)
