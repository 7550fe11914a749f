"""The demo's place exchange (E70–E77): in the first demo locality, children of its first two kindergartens
offer their seats through the real services — two families of the same age group and language want each
other's kindergarten, a third wants the same as the first, a fourth a kindergarten
nobody leaves — and this week's round proposes their exchange; the demo head accepts its own step, so the
exchange waits for the other kindergarten's head (until it lapses)."""

from collections import defaultdict

from django.contrib.auth.models import User

from kezek.core import clock
from kezek.core.errors import DomainError
from kezek.exchange import services
from kezek.exchange.models import Exchange, ExchangeChoice, ExchangeMove, ExchangeOffer, ExchangeRound
from kezek.facilities.models import Group, Locality, Organisation
from kezek.placement import selectors as placement_selectors
from kezek.placement.models import Enrollment

from . import catalogue as cat


def demo_exchange_delete() -> None:
    """Remove the demo's exchanges and offers (before the enrolments they name)."""
    for model in (ExchangeMove, Exchange, ExchangeRound, ExchangeChoice, ExchangeOffer):
        model._base_manager.all().delete()


def demo_exchange_load() -> int:
    """The offers and this week's round; returns the offers made."""
    locality = Locality.objects.filter(region__code__in=cat.DEMO_REGION_CODES).order_by("pk").first()
    head = User.objects.filter(
        username="demo-kindergarten", staff_profile__organisation__isnull=False
    ).first()
    if locality is None or head is None:
        return 0
    organisations = list(Organisation.objects.filter(locality=locality, is_active=True).order_by("pk")[:3])
    if len(organisations) < 3:  # two that exchange, a third that one of them also wants
        return 0
    first, second, third = organisations
    children: dict[tuple[int, int, int, str], list[Enrollment]] = defaultdict(list)
    enrolled = Enrollment.objects.filter(
        group__organisation__in=(first, second), left_on__isnull=True, direction__isnull=False
    ).select_related("group", "direction__application__applicant")
    today = clock.today()
    for enrollment in enrolled.select_related("child").order_by("pk"):
        group = enrollment.group
        if group.kind != Group.Kind.GENERAL or not placement_selectors.child_fits_group(
            birth_date=enrollment.child.birth_date, group=group, on=today
        ):
            continue  # E72: only a child who still fits their general group's ages offers its seat
        children[(group.organisation_id, group.age_from, group.age_to, group.language)].append(enrollment)
    pairs = [
        (mine, children.get((second.pk, *key[1:]), []))
        for key, mine in children.items()
        if key[0] == first.pk and len(mine) >= 2
    ]
    pairs = [(mine, theirs) for mine, theirs in pairs if len(theirs) >= 2]
    if not pairs:
        return 0
    ours, theirs = pairs[0]
    wishes = [(ours[0], [second]), (theirs[0], [first]), (ours[1], [second, third]), (theirs[1], [third])]
    made = 0
    for enrollment, wanted in wishes:
        try:
            services.offer_make(
                applicant=enrollment.direction.application.applicant,  # type: ignore[union-attr]
                enrollment_id=enrollment.pk,
                kindergartens=[o.pk for o in wanted],
            )
        except DomainError:
            continue  # the child does not fit its group's ages any more, or offers already
        made += 1
    services.exchange_round_run(locality=locality)
    proposed = Exchange.objects.filter(round__locality=locality, status=Exchange.Status.PROPOSED).first()
    if proposed is not None and head.staff_profile.organisation_id == first.pk:
        services.exchange_decide(
            exchange_id=proposed.pk, organisation_id=first.pk, by_staff=head, accept=True
        )
    return made
