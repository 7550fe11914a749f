"""Row locks of the queue (order: `kezek.core.locks`). A cohort's counter row serialises every change of
the cohort (its Fenwick counts, ranks.py): it is taken before the cohort's applications; several cohorts in
ascending birth year, several applications by number."""

from collections.abc import Iterable

from django.db.models import QuerySet

from kezek.core.locks import locked
from kezek.facilities.models import Locality

from .models import Applicant, Application, BenefitClaim, CohortCounter, QueueSettings


def cohort_lock(*, locality_id: int, cohort: int) -> CohortCounter:
    """Lock the cohort's counter row (created on first use)."""
    rows = CohortCounter.objects.filter(locality_id=locality_id, cohort=cohort)
    counter = locked(rows).first()
    if counter is None:
        CohortCounter.objects.bulk_create(
            [CohortCounter(locality_id=locality_id, cohort=cohort)], ignore_conflicts=True
        )
        counter = locked(rows).get()
    return counter


def cohorts_lock(*, locality_id: int, cohorts: Iterable[int]) -> None:
    """Lock several cohorts' counters of a locality, in ascending birth year."""
    for cohort in sorted(set(cohorts)):
        cohort_lock(locality_id=locality_id, cohort=cohort)


def application_lock(pk: int) -> Application:
    """One application, locked (after its cohort's counter), with its locality and applicant read."""
    return locked(Application.objects.select_related("locality", "applicant")).get(pk=pk)


def applications_lock(applications: QuerySet[Application]) -> list[Application]:
    """These applications, locked in number order, with their localities and applicants read."""
    return list(locked(applications.select_related("locality", "applicant").order_by("pk")))


def applicant_lock(pk: int) -> Applicant:
    return locked(Applicant.objects.all()).get(pk=pk)


def applicant_by_iin_lock(iin: str) -> Applicant | None:
    """The applicant with this IIN, locked, or None."""
    return locked(Applicant.objects.filter(iin=iin)).first()


def benefit_claim_lock(pk: int) -> BenefitClaim:
    """A benefit claim, locked (after its application), with its category read."""
    return locked(BenefitClaim.objects.select_related("category")).get(pk=pk)


def queue_settings_lock(locality: Locality) -> QueueSettings:
    """The locality's queue settings row, locked (created on first use)."""
    settings_row, _created = locked(QueueSettings.objects.all()).get_or_create(locality=locality)
    return settings_row
