"""E30: the department's settings page accepts the policy `voucher` and shows it by its label."""

import pytest

from kezek.placement.selectors import placement_settings
from kezek.staff.models import Role
from tests.factories import LocalityFactory
from tests.staff.conftest import SETTINGS as VALUES
from tests.staff.conftest import english, staff_client  # noqa: F401  (a fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_the_settings_page_takes_the_voucher_policy() -> None:
    city = LocalityFactory.create(code="taraz")
    head = staff_client(Role.DEPARTMENT_HEAD, locality=city, username="head")
    response = head.post(
        "/staff/settings/", {**VALUES, "distribution_policy": "voucher", "locality": city.code}
    )
    assert response.status_code == 302
    assert placement_settings(locality=city).distribution_policy == "voucher"
    assert "vouchers to the next in line" in head.get("/staff/settings/").content.decode()
    refused = head.post(
        "/staff/settings/", {**VALUES, "distribution_policy": "lottery", "locality": city.code}
    )
    assert refused.status_code == 422
