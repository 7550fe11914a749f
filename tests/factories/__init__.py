"""factory_boy factories for the Kezek models; import them from here (`from tests.factories import …`)."""

from tests.factories.discretion import basis, basis_form_data
from tests.factories.facilities import (
    BaseFeeFactory,
    EducationDepartmentFactory,
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegionFactory,
)
from tests.factories.notifications import OutboxMessageFactory as OutboxMessageFactory
from tests.factories.placement import medical_indication
from tests.factories.registry import (
    RegistryBenefitFactory,
    RegistryKinshipFactory,
    RegistryPersonFactory,
)
from tests.factories.staff import STAFF_PASSWORD, staff_login, staff_user
from tests.factories.waitlist import ConfirmedPhoneCodeFactory, certificate, register_application

__all__ = [
    "STAFF_PASSWORD",
    "BaseFeeFactory",
    "ConfirmedPhoneCodeFactory",
    "EducationDepartmentFactory",
    "GroupFactory",
    "LocalityFactory",
    "OrganisationFactory",
    "RegionFactory",
    "RegistryBenefitFactory",
    "RegistryKinshipFactory",
    "RegistryPersonFactory",
    "basis",
    "basis_form_data",
    "certificate",
    "medical_indication",
    "register_application",
    "staff_login",
    "staff_user",
]
