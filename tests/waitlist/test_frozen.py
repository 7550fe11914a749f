"""The database freezes a child's identity (I1: IIN and birth date, in the queue and in the local
registry) and never lets an application's tier rise (Q5): waitlist 0007, registry 0002."""

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, QuerySet
from django.test import Client

from kezek.registry.models import RegistryPerson
from kezek.staff.models import Role
from kezek.waitlist import services
from kezek.waitlist.models import Application, BenefitClaim, Child
from tests.factories import RegistryPersonFactory, register_application, staff_login, staff_user
from tests.factories.discretion import basis

pytestmark = pytest.mark.django_db


def refused(rows: QuerySet[Model], **changes: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(**changes)


def refused_sql(sql: str, params: list[Any]) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_childs_iin_and_birth_date_never_change() -> None:
    child = register_application().child
    other = RegistryPersonFactory.create()
    rows = Child.objects.filter(pk=child.pk)
    refused(rows, birth_date=child.birth_date - dt.timedelta(days=400))
    refused(rows, iin=other.iin)
    refused_sql("UPDATE waitlist_child SET birth_date = %s WHERE id = %s", [dt.date(2019, 1, 1), child.pk])
    refused_sql("UPDATE waitlist_child SET iin = %s WHERE id = %s", [other.iin, child.pk])
    # Names follow the registry; the registry's update of the same child still writes.
    rows.update(last_name="Жаңа")
    registry = RegistryPerson.objects.get(iin=child.iin)
    assert services.child_from_registry(iin=child.iin).last_name == registry.last_name
    assert Child.objects.get(pk=child.pk).birth_date == child.birth_date


def test_a_registry_persons_iin_and_birth_date_never_change() -> None:
    person = RegistryPersonFactory.create()
    rows = RegistryPerson.objects.filter(pk=person.pk)
    refused(rows, birth_date=person.birth_date + dt.timedelta(days=1))
    refused(rows, iin=RegistryPersonFactory.build().iin)
    refused_sql(
        "UPDATE registry_registryperson SET birth_date = %s WHERE id = %s", [dt.date(2019, 1, 1), person.pk]
    )
    rows.update(last_name="Жаңа", first_name="Есім")
    assert RegistryPerson.objects.get(pk=person.pk).birth_date == person.birth_date


def test_a_tier_never_rises() -> None:
    general = Application.objects.filter(pk=register_application().pk)
    first = Application.objects.filter(pk=register_application(tier="first_priority").pk)
    refused(general, tier="first_priority")
    refused(general, tier="extraordinary")
    refused(first, tier="extraordinary")
    refused_sql("UPDATE waitlist_application SET tier = 'extraordinary' WHERE id = %s", [general.get().pk])
    assert (general.get().tier, first.get().tier) == ("general", "first_priority")


def test_a_rejected_benefit_still_lowers_the_tier() -> None:
    application = register_application(tier="extraordinary")
    claim = BenefitClaim.objects.get(application=application)
    staff = User.objects.create(username="benefit-officer", is_staff=True)
    services.benefit_claim_decide(
        claim=claim, confirm=False, by_staff=staff, basis=basis("the certificate is not a serviceman's")
    )
    assert Application.objects.get(pk=application.pk).tier == "general"


@pytest.mark.postgres
def test_postgresql_refuses_with_restrict_violation() -> None:
    application = register_application()
    for sql in (
        "UPDATE waitlist_child SET birth_date = birth_date - 1 WHERE id = %s",
        "UPDATE waitlist_application SET tier = 'extraordinary' WHERE child_id = %s",
    ):
        with pytest.raises(IntegrityError) as excinfo, transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [application.child_id])
        assert excinfo.value.__cause__.sqlstate == "23001"  # type: ignore[union-attr]


def test_the_admin_shows_a_registry_persons_iin_and_birth_date_read_only(client: Client) -> None:
    person = RegistryPersonFactory.create()
    staff_login(client, staff_user(role=Role.ADMINISTRATOR))
    page = client.get(f"/admin/registry/registryperson/{person.pk}/change/")
    assert page.status_code == 200
    assert 'name="birth_date"' not in page.content.decode()
    assert 'name="iin"' not in page.content.decode()
    assert client.get("/admin/registry/registryperson/add/").content.decode().count('name="birth_date"') == 1
