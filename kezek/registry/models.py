"""The built-in local registry (rule I3): persons, kinship and benefit records, so Kezek runs offline."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RegistryPerson(models.Model):
    """A record of the state person registry ("ГБД ФЛ")."""

    class Sex(models.TextChoices):
        MALE = "M", _("male")
        FEMALE = "F", _("female")

    iin = models.CharField(_("IIN"), max_length=12, unique=True)
    last_name = models.CharField(_("last name"), max_length=100)
    first_name = models.CharField(_("first name"), max_length=100)
    middle_name = models.CharField(_("middle name"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)

    class Meta:
        verbose_name = _("registry person")
        verbose_name_plural = _("registry persons")
        constraints = [
            models.CheckConstraint(condition=Q(iin__regex=r"^[0-9]{12}$"), name="person_iin_12_digits"),
            models.CheckConstraint(condition=Q(sex__in=["M", "F"]), name="person_sex_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.last_name} {self.first_name[:1]}."


class RegistryKinship(models.Model):
    """Parent → child link as the registry knows it (birth certificates)."""

    parent = models.ForeignKey(RegistryPerson, on_delete=models.CASCADE, related_name="children_links")
    child = models.ForeignKey(RegistryPerson, on_delete=models.CASCADE, related_name="parent_links")

    class Meta:
        verbose_name = _("kinship record")
        verbose_name_plural = _("kinship records")
        constraints = [
            models.UniqueConstraint(fields=["parent", "child"], name="kinship_unique"),
            models.CheckConstraint(condition=~Q(parent=models.F("child")), name="kinship_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.parent_id} → {self.child_id}"


class RegistryBenefit(models.Model):
    """A benefit record from the social registries (first-priority categories, rule Q4)."""

    person = models.ForeignKey(RegistryPerson, on_delete=models.CASCADE, related_name="benefits")
    category = models.CharField(_("category code"), max_length=40)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)

    class Meta:
        verbose_name = _("registry benefit")
        verbose_name_plural = _("registry benefits")
        indexes = [models.Index(fields=["person", "category"], name="benefit_person_cat_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="benefit_validity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} ({self.person_id})"
