"""The queue's rows for the demo's fingerprints, independent of database ids and application numbers."""

from collections.abc import Iterable
from typing import Any

from kezek.confirmation.models import Response, ResponseKindergarten
from kezek.ledger.models import LedgerEvent
from kezek.waitlist.models import Applicant, Application, BenefitClaim, CohortCounter, RankNode, StopListEntry


def queue_parts() -> list[Iterable[Any]]:
    launched = LedgerEvent.objects.filter(kind="campaign.launched").order_by("seq").first()
    live_from = launched.seq if launched else LedgerEvent.objects.count() + 1
    return [
        Applicant.objects.order_by("iin").values_list(
            "iin", "last_name", "first_name", "middle_name", "phone", "phone_alt", "email", "notify_channel",
            "notify_language", "created_at",
        ),
        Application.objects.order_by("locality__code", "cohort", "ordinal").values_list(
            "locality__code", "cohort", "ordinal", "child__iin", "child__last_name", "child__first_name",
            "child__middle_name", "child__birth_date", "child__sex", "applicant__iin", "tier", "status",
            "status_reason", "status_changed_at", "registered_at", "valid_until", "language", "address",
        ),
        # The commitment salts (derived from the seed: kezek.demo.queue.demo_salt), as hex: PostgreSQL
        # returns a memoryview, whose repr is its address.
        (
            bytes(salt).hex() if salt is not None else None
            for salt in Application.objects.order_by("locality__code", "cohort", "ordinal").values_list(
                "commitment_salt", flat=True
            )
        ),
        BenefitClaim.objects.order_by("application__child__iin", "category__code").values_list(
            "application__child__iin", "category__code", "source", "status", "document", "document_issued_on",
            "created_at", "decided_at",
        ),
        StopListEntry.objects.order_by("application__child__iin").values_list(
            "application__child__iin", "reason", "note", "since", "restore_on", "restored_at"
        ),
        CohortCounter.objects.order_by("locality__code", "cohort").values_list(
            "locality__code", "cohort", "last_ordinal", "last_registered_at"
        ),
        RankNode.objects.order_by("locality__code", "cohort", "tier", "node").values_list(
            "locality__code", "cohort", "tier", "node", "count"
        ),
        # The generated events' order, kinds and moments (their numbers and hashes depend on the ids). The
        # demo's yearly confirmation is then run through the services, at the load's real time: its events'
        # order and kinds count, their moments cannot; its answers count by applicant.
        LedgerEvent.objects.filter(seq__lt=live_from).order_by("seq").values_list(
            "seq", "kind", "occurred_at", "locality_code"
        ),
        LedgerEvent.objects.filter(seq__gte=live_from).order_by("seq").values_list(
            "seq", "kind", "locality_code"
        ),
        Response.objects.order_by("applicant__iin").values_list(
            "applicant__iin", "ownership", "ownership_reason", "language", "max_payment", "activities",
            "digital",
        ),
        ResponseKindergarten.objects.order_by("response__applicant__iin", "rank").values_list(
            "response__applicant__iin", "rank", "organisation__bin"
        ),
    ]  # fmt: skip
