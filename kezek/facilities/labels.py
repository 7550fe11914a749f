"""How an age range reads: "under 1 year", "from 1 to 3 years" (Russian and Kazakh by their own rules)."""

from django.utils.translation import ngettext


def age_range_label(age_from: int, age_to: int) -> str:
    """The ages [age_from, age_to) in full years as a phrase: "under N years" from 0 (not "from 0 to 1"),
    "from A to B years" otherwise; the plural follows the upper bound (ru: "до 1 года", "до 3 лет")."""
    if age_from <= 0:
        return ngettext("under %(to)d year", "under %(to)d years", age_to) % {"to": age_to}
    return ngettext("from %(from)d to %(to)d year", "from %(from)d to %(to)d years", age_to) % {
        "from": age_from,
        "to": age_to,
    }
