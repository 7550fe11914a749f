"""One-time SMS codes (rule I4): send, confirm, consume; and the attempt limiter for password logins."""

import datetime as dt
import hashlib
import ipaddress
import logging
import math
import secrets
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kezek.core import clock
from kezek.core.errors import DomainError, TooManyRequests, ValidationFailed
from kezek.core.phones import mask_phone, normalize_phone
from kezek.notifications.services import notification_enqueue

from .errors import PhoneCodeLocked, code_not_found
from .hashing import attempt_key_hash, code_hash, code_matches
from .models import SUBJECT_MAX_LENGTH, FailedAttempt, PhoneCode, PhoneCodePurpose
from .selectors import SendBlock, as_uuid, phone_code_send_wait

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
# Purposes whose SMS says "code to sign in" rather than "phone confirmation code".
_CABINET_PURPOSES = frozenset({PhoneCodePurpose.CABINET_LOGIN, PhoneCodePurpose.PASSWORD_RESET})
# Namespace of the PostgreSQL advisory locks taken by `phone_code_send` (first key of the two-int form).
_SEND_LOCK_NAMESPACE = 0x4B5A  # "KZ"


# --- SMS codes ----------------------------------------------------------------------------------------


def phone_code_send(
    *, phone: str, purpose: str, ip: str | None, language: str, subject: str = ""
) -> PhoneCode:
    """Create a code for this phone and purpose and put the SMS with it into the outbox; returns the code.

    Raises ValidationFailed for a number that is not a Kazakhstan mobile one, and TooManyRequests (with
    `retry_after`) when a throttle holds the code back (see `selectors.phone_code_send_wait`).

    Serialisation: the throttle is "count recent codes, then insert", so two parallel sends for one
    phone must not both count before either inserts. On PostgreSQL each send takes transaction-scoped
    advisory locks on the phone and then on the IP (always in that order, so two sends cannot deadlock);
    they are released at commit, and under READ COMMITTED the next send's count sees the committed code.
    Advisory locks rather than `select_for_update`: there is no row to lock before the first code of a
    phone exists, and a bucket row per phone and IP would be one more table to fill and purge. On SQLite
    the transaction starts with BEGIN IMMEDIATE (settings), which already serialises all writers.
    """
    phone = normalize_phone(phone)
    return _code_create(phone=phone, purpose=purpose, ip=ip, language=language, subject=subject)


def phone_code_decoy(*, key: str, purpose: str, ip: str | None) -> PhoneCode:
    """A code that no SMS carries and no entry can confirm, for an unknown `key` (e.g. an IIN without
    an application), so that the answer looks like `phone_code_send`'s.

    It takes the same path through the throttles, locks and the insert as a real code, on a stand-in
    number derived from the key ("+70…" plus an HMAC of the key: never a Kazakhstan mobile number, and
    the same number for the same key, so the per-phone throttles hold for an unknown key as for a known
    one). Its hash is of a random 32-character secret, which no 6-digit entry matches: confirming it
    answers like a wrong code (attempts counted, then locked).
    """
    digits = str(int(attempt_key_hash(f"decoy:{key}"), 16))[-9:]
    return _code_create(phone=f"+70{digits}", purpose=purpose, ip=ip, language="", subject="", decoy=True)


def _code_create(
    *, phone: str, purpose: str, ip: str | None, language: str, subject: str, decoy: bool = False
) -> PhoneCode:
    purpose_value = _purpose(purpose)
    if len(subject) > SUBJECT_MAX_LENGTH:
        raise ValueError(f"subject longer than {SUBJECT_MAX_LENGTH} characters")
    ip = _normalise_ip(ip)

    with transaction.atomic():
        _lock_send_keys(phone=phone, ip=ip)
        now = clock.now()
        wait = phone_code_send_wait(phone=phone, purpose=purpose_value, ip=ip, now=now)
        if wait.block is not None:
            logger.info(
                "phone code to %s refused: %s, retry after %ss", mask_phone(phone), wait.block, wait.seconds
            )
            raise TooManyRequests(_send_refusal(wait.block, wait.seconds), retry_after=wait.seconds)

        code = secrets.token_hex(16) if decoy else f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        phone_code = PhoneCode(
            id=uuid.uuid4(),
            purpose=purpose_value,
            phone=phone,
            subject=subject,
            created_at=now,
            expires_at=now + dt.timedelta(seconds=settings.OTP_TTL_SECONDS),
            ip=ip,
        )
        phone_code.code_hash = code_hash(code_id=phone_code.id, code=code)
        phone_code.save(force_insert=True)
        if decoy:
            logger.info("decoy phone code %s for %s", phone_code.id, purpose_value)
            return phone_code
        notification_enqueue(
            channel="sms",
            recipient=phone,
            language=language,
            template="cabinet_code" if purpose_value in _CABINET_PURPOSES else "phone_code",
            context={"code": code, "minutes": math.ceil(settings.OTP_TTL_SECONDS / 60)},
            idempotency_key=f"otp:{phone_code.id}",
        )
        logger.info("phone code %s for %s sent to %s", phone_code.id, purpose_value, mask_phone(phone))
    return phone_code


def phone_code_confirm(*, code_id: uuid.UUID | str, code: str) -> PhoneCode:
    """Check the entered code; on success mark the code confirmed and return it.

    Every guess is counted before the comparison by `UPDATE … SET attempts = attempts + 1 WHERE
    attempts < OTP_MAX_ATTEMPTS` (plus: not confirmed, not expired), which row-locks and re-checks the
    condition, so parallel guesses never exceed the limit. The failure is raised only after the
    transaction committed, so the counted attempt stays. Therefore this must not be called inside the
    caller's `transaction.atomic()` (the block is durable and refuses to nest).

    Errors: ValidationFailed `code_invalid` (wrong code; a malformed one is refused uncounted) and
    `code_expired`; PhoneCodeLocked (429) after OTP_MAX_ATTEMPTS guesses, even with the right code;
    NotFound. Confirming an already confirmed code with the right code again returns it unchanged
    (idempotent; a wrong code is refused).
    """
    if not _is_code_shaped(code):
        raise ValidationFailed(_("Enter the 6-digit code from the SMS."), code="code_invalid")
    code_uuid = as_uuid(code_id)
    if code_uuid is None:
        raise code_not_found()
    error: DomainError | None = None
    with transaction.atomic(durable=True):
        now = clock.now()
        counted = PhoneCode.objects.filter(
            pk=code_uuid,
            confirmed_at__isnull=True,
            expires_at__gt=now,
            attempts__lt=settings.OTP_MAX_ATTEMPTS,
        ).update(attempts=F("attempts") + 1)
        phone_code = PhoneCode.objects.filter(pk=code_uuid).first()
        if phone_code is None:
            raise code_not_found()
        matches = code_matches(code_id=phone_code.id, code=code, stored_hash=phone_code.code_hash)
        if not counted:
            error = _unconfirmable(phone_code, matches=matches, now=now)
        elif matches:
            PhoneCode.objects.filter(pk=code_uuid, confirmed_at__isnull=True).update(confirmed_at=now)
            phone_code.refresh_from_db()
            logger.info("phone code %s confirmed", phone_code.id)
        else:
            error = _wrong_code(phone_code)
    if error is not None:
        raise error
    return phone_code


def phone_code_consume(*, code_id: uuid.UUID | str, phone: str, purpose: str, subject: str = "") -> PhoneCode:
    """Use a confirmed code, exactly once, for the step that needed the confirmed phone; returns it.

    The code must be confirmed less than OTP_CONFIRMED_TTL_SECONDS ago, for this phone and purpose (and
    this subject when one is given), and not consumed yet; otherwise ValidationFailed
    `phone_not_confirmed`. Consumption is a conditional `UPDATE … WHERE consumed_at IS NULL`: of
    parallel calls exactly one touches the row. Must run inside the caller's `transaction.atomic()`, so
    that a failed step rolls the consumption back and the code can be used again.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("phone_code_consume must run inside the caller's transaction.atomic() block")
    phone = normalize_phone(phone)
    purpose_value = _purpose(purpose)
    code_uuid = as_uuid(code_id)
    if code_uuid is not None:
        now = clock.now()
        usable = PhoneCode.objects.filter(
            pk=code_uuid,
            phone=phone,
            purpose=purpose_value,
            confirmed_at__gt=now - dt.timedelta(seconds=settings.OTP_CONFIRMED_TTL_SECONDS),
            consumed_at__isnull=True,
        )
        if subject:
            usable = usable.filter(subject=subject)
        if usable.update(consumed_at=now) == 1:
            logger.info("phone code %s consumed", code_uuid)
            return PhoneCode.objects.get(pk=code_uuid)
    raise ValidationFailed(
        _(
            "The phone number %(phone)s is not confirmed or its confirmation has expired. "
            "Request a new SMS code and enter it."
        )
        % {"phone": mask_phone(phone)},
        code="phone_not_confirmed",
    )


def phone_codes_purge() -> int:
    """Tick sweep: delete codes created more than OTP_PURGE_AFTER_SECONDS ago; returns how many."""
    cutoff = clock.now() - dt.timedelta(seconds=settings.OTP_PURGE_AFTER_SECONDS)
    deleted, _by_model = PhoneCode.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _purpose(purpose: str) -> PhoneCodePurpose:
    try:
        return PhoneCodePurpose(purpose)
    except ValueError:
        raise ValidationFailed(
            _("Unknown purpose of the code: %(purpose)s.") % {"purpose": purpose[:40]}, code="invalid_purpose"
        ) from None


def _normalise_ip(ip: str | None) -> str | None:
    """The canonical text of an IP address (an IPv4-mapped IPv6 address becomes IPv4); None stays None."""
    if not ip:
        return None
    address = ipaddress.ip_address(ip.strip())
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


def _lock_send_keys(*, phone: str, ip: str | None) -> None:
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for key in (f"phone:{phone}", f"ip:{ip}" if ip else None):
            if key is not None:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s::integer, %s::integer)",
                    [_SEND_LOCK_NAMESPACE, _lock_id(key)],
                )


def _lock_id(key: str) -> int:
    """A signed 32-bit number for the key (a collision only makes two keys wait for each other)."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)


def _send_refusal(block: SendBlock, seconds: int) -> str:
    if block is SendBlock.RESEND_INTERVAL:
        return ngettext(
            "A code has just been sent to this number. You can request a new one in %(count)d second.",
            "A code has just been sent to this number. You can request a new one in %(count)d seconds.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    if block is SendBlock.PHONE_HOURLY:
        return ngettext(
            "Too many codes have been sent to this number. Try again in %(count)d minute.",
            "Too many codes have been sent to this number. Try again in %(count)d minutes.",
            minutes,
        ) % {"count": minutes}
    return ngettext(
        "Too many codes have been requested from your network. Try again in %(count)d minute.",
        "Too many codes have been requested from your network. Try again in %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


def _is_code_shaped(code: str) -> bool:
    return len(code) == CODE_DIGITS and code.isascii() and code.isdigit()


def _wrong_code(phone_code: PhoneCode) -> DomainError:
    left = max(settings.OTP_MAX_ATTEMPTS - phone_code.attempts, 0)
    logger.info("phone code %s: wrong code, %s attempts left", phone_code.id, left)
    if left == 0:
        return PhoneCodeLocked(_("The code is wrong. No attempts are left: request a new code."))
    return ValidationFailed(
        ngettext(
            "The code is wrong. %(count)d attempt left.",
            "The code is wrong. %(count)d attempts left.",
            left,
        )
        % {"count": left},
        code="code_invalid",
    )


def _unconfirmable(phone_code: PhoneCode, *, matches: bool, now: dt.datetime) -> DomainError | None:
    """Why a guess was not counted: None when the code is already confirmed and the guess is right."""
    if phone_code.confirmed_at is not None:
        if matches:
            return None
        return ValidationFailed(_("The code is wrong."), code="code_invalid")
    if phone_code.expires_at <= now:
        return ValidationFailed(_("The code has expired. Request a new code."), code="code_expired")
    return PhoneCodeLocked(_("Too many wrong codes were entered. Request a new code."))


# --- Attempt limiter for password logins -------------------------------------------------------------


def attempt_limiter_check(*, key: str, limit: int | None = None, window_seconds: int | None = None) -> None:
    """Raise TooManyRequests (with `retry_after`) while `key` is locked out.

    Check-then-fail leaves a gap between the check and the counted failure, in which parallel requests
    all pass the check: where each attempt must count, use `attempt_limiter_reserve` instead.

    Locked: the lockout set by `attempt_limiter_fail` has not ended, or the current run of failures
    (begun less than `window_seconds` ago) already has `limit` failures (defaults: settings
    ATTEMPT_LIMIT, ATTEMPT_WINDOW_SECONDS). `key` is whatever identifies what is guessed, e.g.
    f"login:{iin}"; only its HMAC is stored.
    """
    limit = settings.ATTEMPT_LIMIT if limit is None else limit
    window = dt.timedelta(
        seconds=settings.ATTEMPT_WINDOW_SECONDS if window_seconds is None else window_seconds
    )
    row = FailedAttempt.objects.filter(key=attempt_key_hash(key)).first()
    if row is None:
        return
    now = clock.now()
    lock_ends: dt.datetime | None = None
    if row.locked_until is not None and row.locked_until > now:
        lock_ends = row.locked_until
    elif row.count >= limit and row.first_at + window > now and row.locked_until is None:
        lock_ends = row.first_at + window
    if lock_ends is None:
        return
    raise _locked_out(lock_ends - now)


def _locked_out(remaining: dt.timedelta) -> TooManyRequests:
    seconds = max(1, math.ceil(remaining.total_seconds()))
    minutes = math.ceil(seconds / 60)
    return TooManyRequests(
        ngettext(
            "Too many unsuccessful attempts. Try again in %(count)d minute.",
            "Too many unsuccessful attempts. Try again in %(count)d minutes.",
            minutes,
        )
        % {"count": minutes},
        retry_after=seconds,
    )


def _limits(
    limit: int | None, window_seconds: int | None, lockout_seconds: int | None
) -> tuple[int, dt.timedelta, dt.timedelta]:
    return (
        settings.ATTEMPT_LIMIT if limit is None else limit,
        dt.timedelta(seconds=settings.ATTEMPT_WINDOW_SECONDS if window_seconds is None else window_seconds),
        dt.timedelta(
            seconds=settings.ATTEMPT_LOCKOUT_SECONDS if lockout_seconds is None else lockout_seconds
        ),
    )


@dataclass(frozen=True)
class _Run:
    """One attempt counted on `key`'s row at `now` (see `attempt_limiter_fail`): `locked` while a lockout
    holds, `new_run` when this attempt begins a new run, and the row's new `count` and `first_at`."""

    locked: Q
    new_run: Q
    counted: dict[str, Case]


def _run_counted(hashed: str, *, now: dt.datetime, window: dt.timedelta) -> _Run:
    """Make sure the key's row exists (a row with count 0 behaves like none; ON CONFLICT DO NOTHING when it
    exists) and describe the attempt's conditional UPDATE, shared by `attempt_limiter_fail` and
    `attempt_limiter_reserve`."""
    FailedAttempt.objects.bulk_create(
        [FailedAttempt(key=hashed, count=0, first_at=now)], ignore_conflicts=True
    )
    locked = Q(locked_until__gt=now)
    new_run = ~locked & (Q(first_at__lte=now - window) | Q(locked_until__lte=now) | Q(count=0))
    counted = {
        "count": Case(When(new_run, then=Value(1)), default=F("count") + 1),
        "first_at": Case(When(new_run, then=Value(now)), default=F("first_at")),
    }
    return _Run(locked=locked, new_run=new_run, counted=counted)


def attempt_limiter_fail(
    *,
    key: str,
    limit: int | None = None,
    window_seconds: int | None = None,
    lockout_seconds: int | None = None,
) -> int:
    """Count one failure of `key`; returns the failures of the current run.

    A run begins with the first failure and lasts `window_seconds`; a failure after the run (or after a
    lockout) ended begins a new run. The failure that brings the run to `limit` locks the key for
    `lockout_seconds` (defaults: settings ATTEMPT_LIMIT, ATTEMPT_WINDOW_SECONDS, ATTEMPT_LOCKOUT_SECONDS).
    One conditional UPDATE with F() expressions per failure, so parallel failures all count.
    """
    limit, window, lockout = _limits(limit, window_seconds, lockout_seconds)
    hashed = attempt_key_hash(key)
    while True:
        with transaction.atomic():
            now = clock.now()
            run = _run_counted(hashed, now=now, window=window)
            updated = FailedAttempt.objects.filter(key=hashed).update(
                **run.counted,
                locked_until=Case(
                    When(run.locked, then=F("locked_until")),
                    When(run.new_run, then=Value(now + lockout) if limit <= 1 else Value(None)),
                    When(count__gte=limit - 1, then=Value(now + lockout)),
                    default=F("locked_until"),
                ),
            )
            if updated:
                count = FailedAttempt.objects.filter(key=hashed).values_list("count", flat=True).get()
                return count
        # The row was purged between the insert and the update: insert it again.


def attempt_limiter_reserve(
    *,
    key: str,
    limit: int | None = None,
    window_seconds: int | None = None,
    lockout_seconds: int | None = None,
) -> int:
    """Count one attempt of `key` before it is evaluated; returns the attempts of the current run, or
    raises TooManyRequests (with `retry_after`, nothing counted) while the key is locked out.

    The same run, window and lockout as `attempt_limiter_fail` (the attempt that brings the run to
    `limit` locks the key for `lockout_seconds`), but the attempt is recorded first, by one conditional
    UPDATE (`WHERE` not locked and the run below the limit, re-checked on the locked row), so of
    parallel attempts at most `limit` per run are ever evaluated. A successful attempt gives its
    reservation back with `attempt_limiter_release`, or forgets the key with `attempt_limiter_reset`.
    """
    limit, window, lockout = _limits(limit, window_seconds, lockout_seconds)
    hashed = attempt_key_hash(key)
    while True:
        with transaction.atomic():
            now = clock.now()
            run = _run_counted(hashed, now=now, window=window)
            open_run = ~run.locked & Q(locked_until__isnull=True, count__lt=limit)
            updated = (
                FailedAttempt.objects.filter(key=hashed)
                .filter(run.new_run | open_run)
                .update(
                    **run.counted,
                    locked_until=Case(
                        When(run.new_run, then=Value(now + lockout) if limit <= 1 else Value(None)),
                        When(count__gte=limit - 1, then=Value(now + lockout)),
                        default=Value(None),
                    ),
                )
            )
            row = FailedAttempt.objects.filter(key=hashed).first()
        if row is None:
            continue  # purged between the insert and the update: insert it again
        if updated:
            return row.count
        # Locked, or (a run counted by `attempt_limiter_fail`) at the limit until the run ends.
        raise _locked_out((row.locked_until or row.first_at + window) - now)


def attempt_limiter_release(*, key: str) -> None:
    """Give back one reservation of `key` (the attempt succeeded): the run's other attempts stay counted,
    and a lockout that the reservation set ends."""
    hashed = attempt_key_hash(key)
    FailedAttempt.objects.filter(key=hashed, count__gt=0).update(
        count=F("count") - 1, locked_until=Value(None)
    )


def attempt_limiter_reset(*, key: str) -> None:
    """Forget the failures of `key` (after a successful login)."""
    FailedAttempt.objects.filter(key=attempt_key_hash(key)).delete()


def failed_attempts_purge() -> int:
    """Tick sweep: delete counters whose run began over a day ago and are not locked; returns how many."""
    now = clock.now()
    stale = FailedAttempt.objects.filter(first_at__lt=now - dt.timedelta(days=1)).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lte=now)
    )
    deleted, _by_model = stale.delete()
    return deleted
