"""The demo's transfers to school (E69): in the demo head's kindergarten, the guardian of one child in the
final preschool year has consented, and another such child's package is issued (signed, with its receipt
code thrown away: the demo school cannot receive it). Through the real services, after the files exist."""

from django.conf import settings

from kezek.core import clock
from kezek.core.errors import DomainError
from kezek.records.models import ChildFile
from kezek.schooltransfer import selectors, services
from kezek.schooltransfer.models import SchoolTransfer
from kezek.staff.models import StaffProfile
from kezek.waitlist.models import Applicant

SCHOOLS = ["№ 12 мектеп-лицей", "Школа-гимназия № 3"]


def demo_schooltransfer_delete() -> None:
    """Remove the demo's transfers (before the children's files they belong to)."""
    SchoolTransfer._base_manager.all().delete()


def demo_schooltransfer_load() -> dict[str, int]:
    """One consent and one issued package; {} when the demo has no head or no child of the final year."""
    profile = StaffProfile.objects.filter(user__username="demo-kindergarten").select_related("user").first()
    if getattr(settings, "IS_PRODUCTION", False) or profile is None or profile.organisation_id is None:
        return {}
    head = profile.user
    today = clock.today()
    files = ChildFile.objects.filter(organisation_id=profile.organisation_id, status=ChildFile.Status.OPEN)
    done: list[SchoolTransfer] = []
    for file in files.select_related("child").order_by("child__birth_date", "pk").iterator():
        if len(done) == len(SCHOOLS) or not selectors.in_final_year(file.child, on=today):
            break
        guardian = next(
            (a for a in Applicant.objects.filter(applications__child=file.child).distinct()
             if selectors.is_guardian(a, file.child)),
            None,
        )  # fmt: skip
        if guardian is None:
            continue
        try:
            done.append(
                services.transfer_consent(file=file, applicant=guardian, school_name=SCHOOLS[len(done)])
            )
        except DomainError:
            continue
    if len(done) == len(SCHOOLS):
        services.package_issue(file=done[1].file, by_staff=head)
    return {"consented": len(done), "issued": int(len(done) == len(SCHOOLS))}
