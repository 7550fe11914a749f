"""factory_boy factories for the Kezek models; import them from here (`from tests.factories import …`)."""

from tests.factories.facilities import (
    BaseFeeFactory,
    EducationDepartmentFactory,
    GroupFactory,
    LocalityFactory,
    OrganisationFactory,
    RegionFactory,
)
from tests.factories.registry import (
    RegistryBenefitFactory,
    RegistryKinshipFactory,
    RegistryPersonFactory,
)

__all__ = [
    "BaseFeeFactory",
    "EducationDepartmentFactory",
    "GroupFactory",
    "LocalityFactory",
    "OrganisationFactory",
    "RegionFactory",
    "RegistryBenefitFactory",
    "RegistryKinshipFactory",
    "RegistryPersonFactory",
]
