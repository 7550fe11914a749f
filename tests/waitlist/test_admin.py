import pytest
from django.test import Client

from kezek.staff.models import Role
from tests.factories import register_application, staff_login, staff_user

pytestmark = pytest.mark.django_db


def test_admin_shows_the_queue_read_only_and_masked(client: Client) -> None:
    application = register_application()
    staff_login(client, staff_user(role=Role.ADMINISTRATOR))
    listing = client.get("/admin/waitlist/application/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert application.child.iin not in html
    assert application.child.iin[:4] + "******" in html
    detail = client.get(f"/admin/waitlist/application/{application.pk}/change/")
    assert detail.status_code == 200
    assert application.address not in detail.content.decode()
    assert client.post(f"/admin/waitlist/application/{application.pk}/change/", {}).status_code == 403
    assert client.get("/admin/waitlist/benefitcategory/").status_code == 200
