"""A small region in time-travel, made through the real services: publications, directions, an enrolment
and a departure, an overdue direction the sweep has not seen yet, a staff child outside the queue (P7), and
a queue with every tier. Persons have conspicuous names, phones and addresses for the privacy test (O5)."""

import datetime as dt
import itertools
from dataclasses import dataclass, field

import pytest
import time_machine
from django.contrib.auth.models import User

from kezek.facilities.models import Group, Locality, Organisation
from kezek.placement import services
from kezek.placement.models import Direction, Enrollment, Publication
from kezek.waitlist.models import Application, Child
from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory, RegistryPersonFactory
from tests.factories import register_application as register

ALMATY = dt.timezone(dt.timedelta(hours=5))
NOW = dt.datetime(2026, 12, 7, 10, 0, tzinfo=ALMATY)  # Monday: "today" of every test here
FIRST_PUBLICATION = dt.datetime(2026, 11, 27, 10, 0, tzinfo=ALMATY)  # Friday
_serial = itertools.count(1)


def at(moment: dt.datetime) -> time_machine.travel:
    return time_machine.travel(moment, tick=False)


@dataclass
class Region:
    city: Locality
    other: Locality
    state_org: Organisation
    private_org: Organisation
    toddlers: Group  # 2–3, Kazakh, general, state organisation
    correctional: Group  # 3–4, Russian, correctional, private organisation
    older: Group  # 4–5, Russian, general, state organisation: the staff child
    first: Publication
    correctional_publication: Publication
    departure: Publication
    enrolled: Direction  # enrolled 3 Dec, left 6 Dec
    overdue: Direction  # valid until 5 Dec 00:00, not swept
    staff_child: Enrollment
    queued: list[Application]
    personal: list[str] = field(default_factory=list)  # every IIN, name, phone and address of a person


def _person(birth: dt.date, *, adult: bool = False) -> object:
    n = next(_serial)
    # Conspicuous, unique names: none is a substring of anything public (O5 test).
    return RegistryPersonFactory.create(
        birth_date=birth,
        last_name=f"Жасырынова{n:03d}" if not adult else f"Құпиялов{n:03d}",
        first_name=f"Айгерімқыз{n:03d}" if not adult else f"Бекзатбек{n:03d}",
        middle_name=f"Ерланқызы{n:03d}",
    )


def _apply(locality: Locality, birth: dt.date, tier: str = "general") -> Application:
    n = next(_serial)
    return register(
        locality=locality,
        child=_person(birth),  # type: ignore[arg-type]
        applicant=_person(dt.date(1990, 1, 1) + dt.timedelta(days=n), adult=True),  # type: ignore[arg-type]
        tier=tier,
        phones=(f"+7705{n:07d}", f"+7707{n:07d}"),
        address=f"Өскемен, Құпия көшесі, {100 + n}, пәтер {n}",
        email=f"secret.parent{n}@mail.example.kz",
    )


def personal_data() -> list[str]:
    values: list[str] = []
    for child in Child.objects.all():
        values += [child.iin, child.last_name, child.first_name, child.middle_name]
    for application in Application.objects.select_related("applicant"):
        applicant = application.applicant
        values += [
            applicant.iin,
            applicant.last_name,
            applicant.first_name,
            applicant.middle_name,
            applicant.phone,
            applicant.phone_alt,
            applicant.phone[2:],  # without +7
            applicant.email,
            application.address,
        ]
    return sorted({v for v in values if v})


@pytest.fixture
def region(db: None) -> Region:
    staff = User.objects.create(username="head", is_staff=True)
    city = LocalityFactory.create(code="oskemen", name_ru="Усть-Каменогорск", name_kk="Өскемен")
    other = LocalityFactory.create(code="ridder", name_ru="Риддер", name_kk="Риддер")
    state_org = OrganisationFactory.create(
        locality=city, name_ru="Детский сад «Ақбота»", name_kk="«Ақбота» балабақшасы", ownership="state"
    )
    private_org = OrganisationFactory.create(
        locality=city, name_ru="Детский сад «Бөбек»", name_kk="«Бөбек» балабақшасы", ownership="private"
    )
    toddlers = GroupFactory.create(
        organisation=state_org, name="Құныуақ", age_from=2, age_to=3, language="kk", capacity=2
    )
    correctional = GroupFactory.create(
        organisation=private_org,
        name="Толағай",
        age_from=3,
        age_to=4,
        language="ru",
        kind="correctional",
        capacity=1,
    )
    older = GroupFactory.create(  # full: its one seat is the staff child's (no seat withheld, P1)
        organisation=state_org, name="Балапан", age_from=4, age_to=5, language="ru", capacity=1
    )
    far_org = OrganisationFactory.create(
        locality=other, name_ru="Ясли-сад Риддера", name_kk="Риддер бөбекжайы"
    )
    far_group = GroupFactory.create(organisation=far_org, age_from=2, age_to=3, language="ru", capacity=1)

    with at(dt.datetime(2026, 11, 2, 9, 0, tzinfo=ALMATY)):
        early = [_apply(city, dt.date(2024, 1, 10) + dt.timedelta(days=i)) for i in range(5)]
        far_app = _apply(other, dt.date(2024, 3, 3))
    with at(FIRST_PUBLICATION):
        first = services.places_publish(group=toddlers)
        assert first is not None
        assert first.places == 2
        enrolled = services.direction_take(application=early[0], group=toddlers, applicant=early[0].applicant)
        overdue = services.direction_take(application=early[1], group=toddlers, applicant=early[1].applicant)
        services.places_publish(group=far_group)
        services.direction_take(application=far_app, group=far_group, applicant=far_app.applicant)
    assert overdue.valid_until == dt.datetime(2026, 12, 5, 0, 0, tzinfo=ALMATY)
    with at(dt.datetime(2026, 12, 1, 9, 0, tzinfo=ALMATY)):
        late = [
            _apply(city, dt.date(2024, 5, 5), tier="extraordinary"),
            _apply(city, dt.date(2024, 6, 6), tier="first_priority"),
            _apply(city, dt.date(2023, 2, 2)),  # another cohort
        ]
    with at(dt.datetime(2026, 12, 3, 11, 0, tzinfo=ALMATY)):
        enrollment = services.direction_enroll(direction=enrolled, by_staff=staff)
    with at(dt.datetime(2026, 12, 4, 12, 0, tzinfo=ALMATY)):
        correctional_publication = services.places_publish(group=correctional)
        assert correctional_publication is not None
        n = next(_serial)
        person = _person(dt.date(2022, 3, 3))
        child = Child.objects.create(
            iin=person.iin,  # type: ignore[attr-defined]
            last_name=person.last_name,  # type: ignore[attr-defined]
            first_name=person.first_name,  # type: ignore[attr-defined]
            middle_name=f"Қызметкерқызы{n:03d}",
            birth_date=dt.date(2022, 3, 3),
            sex=person.sex,  # type: ignore[attr-defined]
        )
        # P7: no service yet (staff back-office, issue #6); the model allows it with the head's order.
        staff_child = Enrollment.objects.create(
            group=older,
            child=child,
            staff_child=True,
            staff_reason="Приказ заведующей № 5",
            enrolled_on=dt.date(2026, 12, 4),
        )
    with at(dt.datetime(2026, 12, 6, 9, 0, tzinfo=ALMATY)):
        services.enrollment_depart(enrollment=enrollment, by_staff=staff, reason="переезд в Алматы")
    departure = Publication.objects.filter(group=toddlers, cause="departure").get()
    region = Region(
        city=city,
        other=other,
        state_org=state_org,
        private_org=private_org,
        toddlers=toddlers,
        correctional=correctional,
        older=older,
        first=first,
        correctional_publication=correctional_publication,
        departure=departure,
        enrolled=Direction.objects.get(pk=enrolled.pk),
        overdue=Direction.objects.get(pk=overdue.pk),
        staff_child=staff_child,
        queued=[*early[2:], *late],
    )
    region.personal = personal_data()
    return region


@pytest.fixture
def now() -> object:
    with at(NOW) as traveller:
        yield traveller
