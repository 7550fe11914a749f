"""Groups change only in the back-office, where every change is a ledger event (#16 item 4): the admin
shows them read-only."""

import pytest
from django.test import Client

from kezek.facilities.models import Group
from tests.factories import GroupFactory

pytestmark = pytest.mark.django_db


def test_the_admin_cannot_change_a_groups_capacity(admin_client: Client) -> None:
    group = GroupFactory.create(capacity=10)
    url = f"/admin/facilities/group/{group.pk}/change/"
    assert admin_client.get(url).status_code == 200  # view only
    form = {"name": group.name, "capacity": 99, "organisation": group.organisation_id}
    response = admin_client.post(url, form)
    assert response.status_code == 403
    assert Group.objects.get(pk=group.pk).capacity == 10
    assert admin_client.get("/admin/facilities/group/add/").status_code == 403
    organisation = admin_client.get(f"/admin/facilities/organisation/{group.organisation_id}/change/")
    assert b'name="groups-0-capacity"' not in organisation.content
