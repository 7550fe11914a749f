"""Writes of complaints and suggestions: submit (public, rate-limited per client address), answer (staff)."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kezek.core import clock
from kezek.core.errors import Conflict, ValidationFailed
from kezek.core.phones import mask_phone, normalize_phone
from kezek.facilities.models import Locality, Organisation
from kezek.ledger.services import ledger_append
from kezek.verification.services import attempt_limiter_check, attempt_limiter_fail

from .locks import feedback_lock
from .models import NAME_MAX_LENGTH, TEXT_MAX_LENGTH, Feedback, Kind, Status, new_reference

logger = logging.getLogger(__name__)

# Submissions per client address: at most FEEDBACK_RATE_LIMIT in FEEDBACK_RATE_WINDOW_SECONDS, then a pause
# of FEEDBACK_RATE_LOCKOUT_SECONDS (settings may override; counted in the database, so every worker agrees).
DEFAULT_RATE_LIMIT = 5
DEFAULT_RATE_WINDOW_SECONDS = 3600
DEFAULT_RATE_LOCKOUT_SECONDS = 3600
_REFERENCE_ATTEMPTS = 5


@dataclass(frozen=True)
class FeedbackInput:
    """What the sender typed; validated and normalised by `feedback_submit`."""

    kind: str
    text: str
    organisation: Organisation | None = None
    contact_name: str = ""
    phone: str = ""


def _rate_key(ip: str | None) -> str:
    return f"feedback:{ip or 'unknown'}"


def _rate(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def feedback_rate_check(*, ip: str | None) -> None:
    """Raise TooManyRequests (429, with `retry_after`) while this client address may not send any more."""
    attempt_limiter_check(
        key=_rate_key(ip),
        limit=_rate("FEEDBACK_RATE_LIMIT", DEFAULT_RATE_LIMIT),
        window_seconds=_rate("FEEDBACK_RATE_WINDOW_SECONDS", DEFAULT_RATE_WINDOW_SECONDS),
    )


class FeedbackInvalid(ValidationFailed):
    """Invalid input; `problems` maps each invalid field of FeedbackInput to its (translated) message."""

    def __init__(self, problems: dict[str, str]) -> None:
        field, message = next(iter(problems.items()))
        super().__init__(message, code=f"{field}_invalid")
        self.problems = problems


def feedback_problems(*, locality: Locality, data: FeedbackInput) -> dict[str, str]:
    """Every problem of the input, by field (kind, organisation, text, contact_name, phone); {} when valid.

    A form calls this to show all the problems at once; `feedback_submit` refuses with the same ones."""
    problems: dict[str, str] = {}
    if data.kind not in Kind.values:
        problems["kind"] = _("Choose what your message is about.")
    organisation = data.organisation
    if data.kind == Kind.ORGANISATION and organisation is None:
        problems["organisation"] = _("Choose the preschool organisation your complaint is about.")
    elif organisation is not None and (organisation.locality_id != locality.pk or not organisation.is_active):
        problems["organisation"] = _("Choose a preschool organisation of your location.")
    text = data.text.strip()
    if not text:
        problems["text"] = _("Write your message.")
    elif len(text) > TEXT_MAX_LENGTH:
        problems["text"] = _("The message is too long: at most %(max)d characters, it has %(length)d.") % {
            "max": TEXT_MAX_LENGTH,
            "length": len(text),
        }
    name = " ".join(data.contact_name.split())
    anonymous_allowed = data.kind == Kind.CORRUPTION
    if len(name) > NAME_MAX_LENGTH:
        problems["contact_name"] = _("The name is too long: at most %(max)d characters.") % {
            "max": NAME_MAX_LENGTH
        }
    elif not name and not anonymous_allowed:
        problems["contact_name"] = _("Enter your name, so that the department can answer you.")
    phone = data.phone.strip()
    if phone or not anonymous_allowed:
        try:
            normalize_phone(phone)
        except ValidationFailed as exc:
            problems["phone"] = str(exc.message)
    return problems


def _validated(data: FeedbackInput, *, locality: Locality) -> dict[str, object]:
    """The model's fields from the input; FeedbackInvalid (every problem) otherwise."""
    problems = feedback_problems(locality=locality, data=data)
    if problems:
        raise FeedbackInvalid(problems)
    phone = data.phone.strip()
    return {
        "kind": data.kind,
        "organisation": data.organisation,
        "text": data.text.strip(),
        "contact_name": " ".join(data.contact_name.split()),
        "phone": normalize_phone(phone) if phone else "",
    }


def feedback_submit(*, locality: Locality, data: FeedbackInput, ip: str | None) -> Feedback:
    """Accept a complaint, suggestion or corruption report; returns it with its public reference.

    Raises TooManyRequests while the client address has sent too many (`feedback_rate_check`), and
    FeedbackInvalid (a ValidationFailed, 422, with every problem by field) for invalid input — nothing
    is stored then, and a refused submission does not count against the limit."""
    feedback_rate_check(ip=ip)
    fields = _validated(data, locality=locality)
    now = clock.now()
    feedback: Feedback | None = None
    for _attempt in range(_REFERENCE_ATTEMPTS):
        reference = new_reference()
        try:
            with transaction.atomic():
                feedback = Feedback.objects.create(
                    reference=reference,
                    locality=locality,
                    status=Status.NEW,
                    created_at=now,
                    updated_at=now,
                    **fields,
                )
            break
        except IntegrityError:
            if not Feedback.objects.filter(reference=reference).exists():
                raise  # not a reference collision (1 in ~10^17): a real bug
    if feedback is None:  # pragma: no cover - five collisions in a row
        raise Conflict(_("The message could not be saved. Try again."), code="reference_conflict")
    attempt_limiter_fail(
        key=_rate_key(ip),
        limit=_rate("FEEDBACK_RATE_LIMIT", DEFAULT_RATE_LIMIT),
        window_seconds=_rate("FEEDBACK_RATE_WINDOW_SECONDS", DEFAULT_RATE_WINDOW_SECONDS),
        lockout_seconds=_rate("FEEDBACK_RATE_LOCKOUT_SECONDS", DEFAULT_RATE_LOCKOUT_SECONDS),
    )
    logger.info(
        "feedback %s (%s) received for %s from %s",
        feedback.reference,
        feedback.kind,
        locality.code,
        mask_phone(feedback.phone) if feedback.phone else "an anonymous sender",
    )
    return feedback


def feedback_answer(
    *,
    feedback: Feedback,
    by: "AbstractBaseUser | AnonymousUser",
    status: str = Status.ANSWERED,
    answer: str = "",
) -> Feedback:
    """Staff: set the status and (for `answered`, required) the public answer of a message.

    `in_progress` and `closed` may come with or without an answer text; an answer once given stays unless
    a new one replaces it; a `feedback.status_changed` ledger event (id, status, staff user: no text). Raises
    ValidationFailed for an unknown status, a missing or too long answer."""
    if status not in Status.values:
        raise ValidationFailed(_("Unknown status."), code="status_invalid")
    answer = answer.strip()
    if len(answer) > TEXT_MAX_LENGTH:
        raise ValidationFailed(
            _("The answer is too long: at most %(max)d characters.") % {"max": TEXT_MAX_LENGTH},
            code="answer_too_long",
        )
    with transaction.atomic():
        row = feedback_lock(feedback.pk)
        if answer and answer != row.answer:
            row.answer = answer
            row.answered_at = clock.now()
            row.answered_by_id = by.pk
        if status == Status.ANSWERED and not row.answer:
            raise ValidationFailed(_("Write the answer."), code="answer_required")
        row.status = status
        row.updated_at = clock.now()
        row.save(update_fields=["answer", "answered_at", "answered_by", "status", "updated_at"])
        # The message's id, never its reference (whoever holds that reads the answer), nor any text.
        ledger_append(
            kind="feedback.status_changed",
            subject_type="feedback",
            subject_id=str(row.pk),
            locality_code=row.locality.code,
            payload={"status": row.status, "answered": bool(row.answer), "staff": by.pk},
        )
    logger.info("feedback %s set to %s by user %s", row.reference, status, by.pk)
    return row
