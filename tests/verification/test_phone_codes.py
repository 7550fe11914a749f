"""One-time SMS codes (rule I4): send, confirm, consume, throttles, expiry, purge."""

import datetime as dt
import logging
import uuid

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import translation

from kezek.core.errors import NotFound, TooManyRequests, ValidationFailed
from kezek.core.tick import registered_sweeps, tick_run
from kezek.notifications.models import OutboxMessage
from kezek.verification.errors import PhoneCodeLocked
from kezek.verification.hashing import code_hash
from kezek.verification.models import PhoneCode
from kezek.verification.selectors import SendBlock, phone_code_get, phone_code_send_wait
from kezek.verification.services import (
    phone_code_confirm,
    phone_code_consume,
    phone_code_decoy,
    phone_code_send,
    phone_codes_purge,
)
from tests.verification.conftest import new_phone, send, sms_code, wrong

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
VERIFY = PhoneCode.Purpose.PHONE_VERIFICATION


def consume(phone_code: PhoneCode, **overrides: str) -> PhoneCode:
    arguments = {"phone": phone_code.phone, "purpose": phone_code.purpose, **overrides}
    with transaction.atomic():
        return phone_code_consume(code_id=phone_code.id, **arguments)


# --- send ---------------------------------------------------------------------------------------------


def test_send_stores_a_hash_and_puts_the_sms_into_the_outbox() -> None:
    with time_machine.travel(START, tick=False):
        phone_code = phone_code_send(
            phone="8 (701) 555-12-34", purpose=VERIFY, ip="192.0.2.7", language="kk", subject="A-17"
        )
    phone_code.refresh_from_db()
    assert phone_code.phone == "+77015551234"
    assert phone_code.purpose == VERIFY
    assert phone_code.subject == "A-17"
    assert phone_code.ip == "192.0.2.7"
    assert phone_code.attempts == 0
    assert phone_code.confirmed_at is None
    assert phone_code.consumed_at is None
    assert phone_code.created_at == START
    assert phone_code.expires_at == START + dt.timedelta(minutes=5)

    message = OutboxMessage.objects.get()
    assert message.channel == "sms"
    assert message.recipient == "+77015551234"
    assert message.language == "kk"
    assert message.template == "phone_code"
    assert message.idempotency_key == f"otp:{phone_code.id}"
    code = sms_code(phone_code)
    assert "5" in message.body.replace(code, "")  # the minutes
    # Only the HMAC of id + code is kept.
    assert code not in phone_code.code_hash
    assert phone_code.code_hash == code_hash(code_id=phone_code.id, code=code)
    assert len(phone_code.code_hash) == 64


@pytest.mark.parametrize(
    ("purpose", "template"),
    [
        (PhoneCode.Purpose.PHONE_VERIFICATION, "phone_code"),
        (PhoneCode.Purpose.PHONE_CHANGE, "phone_code"),
        (PhoneCode.Purpose.WITHDRAWAL, "phone_code"),
        (PhoneCode.Purpose.CABINET_LOGIN, "cabinet_code"),
        (PhoneCode.Purpose.PASSWORD_RESET, "cabinet_code"),
    ],
)
def test_sms_template_by_purpose(purpose: str, template: str) -> None:
    phone_code, _code = send(purpose=purpose)
    assert OutboxMessage.objects.get(idempotency_key=f"otp:{phone_code.id}").template == template


def test_codes_are_six_random_digits() -> None:
    codes = {send(ip=None)[1] for _ in range(30)}
    assert all(len(code) == 6 and code.isdigit() for code in codes)
    assert len(codes) > 25


@pytest.mark.parametrize(
    ("phone", "error"), [("+7 727 234 56 78", "phone_not_mobile"), ("123", "phone_invalid")]
)
def test_send_refuses_numbers_that_are_not_kazakh_mobiles(phone: str, error: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        phone_code_send(phone=phone, purpose=VERIFY, ip=None, language="ru")
    assert info.value.code == error
    assert not PhoneCode.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_send_refuses_an_unknown_purpose() -> None:
    with pytest.raises(ValidationFailed) as info:
        phone_code_send(phone=new_phone(), purpose="lottery", ip=None, language="ru")
    assert info.value.code == "invalid_purpose"


def test_a_failing_sms_leaves_no_code() -> None:
    """The SMS is written in the same transaction: an unknown language rolls the code back."""
    with pytest.raises(ValidationFailed):
        phone_code_send(phone=new_phone(), purpose=VERIFY, ip=None, language="de")
    assert not PhoneCode.objects.exists()


def test_ipv4_mapped_address_is_stored_as_ipv4() -> None:
    phone_code, _code = send(ip="::ffff:192.0.2.9")
    phone_code.refresh_from_db()
    assert phone_code.ip == "192.0.2.9"


# --- send throttles -----------------------------------------------------------------------------------


def test_resend_waits_a_minute_per_phone() -> None:
    phone = new_phone()
    with time_machine.travel(START, tick=False) as traveller:
        send(phone)
        with pytest.raises(TooManyRequests) as info:
            phone_code_send(phone=phone, purpose=VERIFY, ip="192.0.2.99", language="ru")
        assert info.value.retry_after == 60
        assert info.value.status == 429
        assert "60" in str(info.value.message)

        traveller.shift(59)
        with pytest.raises(TooManyRequests) as info:
            phone_code_send(phone=phone, purpose=VERIFY, ip=None, language="ru")
        assert info.value.retry_after == 1

        send(new_phone())  # other phones are not held back
        traveller.shift(1)
        send(phone)
    assert PhoneCode.objects.filter(phone=phone).count() == 2


def test_the_resend_interval_is_per_purpose() -> None:
    phone = new_phone()
    login, withdrawal = PhoneCode.Purpose.CABINET_LOGIN, PhoneCode.Purpose.WITHDRAWAL
    with time_machine.travel(START, tick=False) as traveller:
        send(phone, purpose=login)
        traveller.shift(10)
        send(phone, purpose=withdrawal)  # a sign-in, then a withdrawal within the minute
        traveller.shift(10)
        with pytest.raises(TooManyRequests) as info:
            send(phone, purpose=login)
        assert info.value.retry_after == 40
        assert phone_code_send_wait(phone=phone, purpose=withdrawal, ip=None).seconds == 50
        assert phone_code_send_wait(phone=phone, purpose=VERIFY, ip=None).seconds == 0


def test_the_hourly_limit_per_phone_counts_every_purpose() -> None:
    phone = new_phone()
    with time_machine.travel(START, tick=False) as traveller:
        for purpose in list(PhoneCode.Purpose)[:5]:
            send(phone, purpose=purpose)
            traveller.shift(1)
        with pytest.raises(TooManyRequests):
            send(phone, purpose=PhoneCode.Purpose.CABINET_LOGIN)
        assert phone_code_send_wait(phone=phone, purpose=VERIFY, ip=None).block == SendBlock.PHONE_HOURLY


def test_at_most_five_codes_an_hour_per_phone() -> None:
    phone = new_phone()
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            send(phone)
            traveller.shift(60)
        # 5 codes at 0, 60, …, 240 s; now 300 s. The window frees a slot when the code of 0 s is an hour old.
        with pytest.raises(TooManyRequests) as info:
            send(phone)
        assert info.value.retry_after == 3300
        assert phone_code_send_wait(phone=phone, purpose=VERIFY, ip=None).block == SendBlock.PHONE_HOURLY
        assert "55" in str(info.value.message)  # minutes

        traveller.move_to(START + dt.timedelta(seconds=3599))
        with pytest.raises(TooManyRequests) as info:
            send(phone)
        assert info.value.retry_after == 1
        traveller.move_to(START + dt.timedelta(hours=1))
        send(phone)
        with pytest.raises(TooManyRequests) as info:
            send(phone)
        assert info.value.retry_after == 60


def test_at_most_twenty_codes_an_hour_per_ip() -> None:
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(20):
            send(ip="198.51.100.4")
            traveller.shift(10)
        # 20 codes at 0, 10, …, 190 s; now 200 s.
        with pytest.raises(TooManyRequests) as info:
            send(ip="198.51.100.4")
        assert info.value.retry_after == 3400
        send(ip="198.51.100.5")  # another address
        send(ip=None)  # no address known: only the phone throttles apply
        traveller.move_to(START + dt.timedelta(hours=1, seconds=1))
        send(ip="198.51.100.4")


def test_refused_sends_do_not_count() -> None:
    phone = new_phone()
    with time_machine.travel(START, tick=False) as traveller:
        send(phone)
        for _ in range(10):
            traveller.shift(5)
            with pytest.raises(TooManyRequests):
                send(phone)
        traveller.move_to(START + dt.timedelta(seconds=60))
        send(phone)


def test_send_wait_after_a_send_is_the_resend_interval() -> None:
    phone_code, _code = send()
    wait = phone_code_send_wait(phone=phone_code.phone, purpose=VERIFY, ip=phone_code.ip)
    assert wait.block == SendBlock.RESEND_INTERVAL
    assert 59 <= wait.seconds <= 60
    assert phone_code_send_wait(phone=new_phone(), purpose=VERIFY, ip=None).seconds == 0


def test_throttle_message_is_translated() -> None:
    phone = new_phone()
    send(phone)
    with translation.override("en"), pytest.raises(TooManyRequests) as info:
        send(phone)
    assert "You can request a new one in" in str(info.value.message)


# --- confirm ------------------------------------------------------------------------------------------


def test_happy_path() -> None:
    phone_code, code = send()
    confirmed = phone_code_confirm(code_id=phone_code.id, code=code)
    assert confirmed.confirmed_at is not None
    assert confirmed.attempts == 1
    with transaction.atomic():
        consumed = phone_code_consume(code_id=str(phone_code.id), phone=phone_code.phone, purpose=VERIFY)
    assert consumed.consumed_at is not None
    assert consumed.consumed_at >= confirmed.confirmed_at


def test_wrong_code_counts_and_says_how_many_attempts_are_left() -> None:
    phone_code, code = send()
    with translation.override("en"), pytest.raises(ValidationFailed) as info:
        phone_code_confirm(code_id=phone_code.id, code=wrong(code))
    assert info.value.code == "code_invalid"
    assert "4 attempts left" in str(info.value.message)
    phone_code.refresh_from_db()
    assert phone_code.attempts == 1
    assert phone_code.confirmed_at is None


def test_five_wrong_codes_lock_the_code_even_for_the_right_one() -> None:
    phone_code, code = send()
    for _ in range(4):
        with pytest.raises(ValidationFailed):
            phone_code_confirm(code_id=phone_code.id, code=wrong(code))
    with pytest.raises(PhoneCodeLocked):  # the fifth wrong code uses the last attempt
        phone_code_confirm(code_id=phone_code.id, code=wrong(code))
    with pytest.raises(PhoneCodeLocked) as info:
        phone_code_confirm(code_id=phone_code.id, code=code)
    assert isinstance(info.value, TooManyRequests)
    assert info.value.status == 429
    assert info.value.code == "code_locked"
    phone_code.refresh_from_db()
    assert phone_code.attempts == 5
    assert phone_code.confirmed_at is None


def test_right_code_on_the_last_attempt_confirms() -> None:
    phone_code, code = send()
    for _ in range(4):
        with pytest.raises(ValidationFailed):
            phone_code_confirm(code_id=phone_code.id, code=wrong(code))
    assert phone_code_confirm(code_id=phone_code.id, code=code).confirmed_at is not None


def test_malformed_code_is_refused_without_counting() -> None:
    phone_code, _code = send()
    for malformed in ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", " 12345"]:
        with pytest.raises(ValidationFailed) as info:
            phone_code_confirm(code_id=phone_code.id, code=malformed)
        assert info.value.code == "code_invalid"
    phone_code.refresh_from_db()
    assert phone_code.attempts == 0


def test_expired_code() -> None:
    with time_machine.travel(START, tick=False) as traveller:
        phone_code, code = send()
        traveller.shift(5 * 60)
        with pytest.raises(ValidationFailed) as info:
            phone_code_confirm(code_id=phone_code.id, code=code)
        assert info.value.code == "code_expired"
    phone_code.refresh_from_db()
    assert phone_code.attempts == 0
    assert phone_code.confirmed_at is None


def test_code_is_valid_until_the_last_second() -> None:
    with time_machine.travel(START, tick=False) as traveller:
        phone_code, code = send()
        traveller.shift(5 * 60 - 1)
        assert phone_code_confirm(code_id=phone_code.id, code=code).confirmed_at == START + dt.timedelta(
            seconds=299
        )


def test_confirm_again_is_idempotent() -> None:
    phone_code, code = send()
    first = phone_code_confirm(code_id=phone_code.id, code=code)
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=10)):
        again = phone_code_confirm(code_id=phone_code.id, code=code)  # also after expiry
    assert again.confirmed_at == first.confirmed_at
    assert again.attempts == 1
    with pytest.raises(ValidationFailed) as info:
        phone_code_confirm(code_id=phone_code.id, code=wrong(code))
    assert info.value.code == "code_invalid"
    phone_code.refresh_from_db()
    assert phone_code.attempts == 1
    assert phone_code.confirmed_at == first.confirmed_at


def test_a_code_only_fits_its_own_id() -> None:
    first, first_code = send()
    second, second_code = send()
    if first_code != second_code:
        with pytest.raises(ValidationFailed):
            phone_code_confirm(code_id=second.id, code=first_code)
    # The same code under another id has another hash.
    assert code_hash(code_id=first.id, code="123456") != code_hash(code_id=second.id, code="123456")


# Fixed ids: random ones would differ between pytest-xdist workers, which must collect the same tests.
@pytest.mark.parametrize(
    "code_id", [uuid.uuid4(), "not-a-uuid", str(uuid.uuid4())], ids=["uuid", "garbage", "uuid-text"]
)
def test_confirm_unknown_code(code_id: uuid.UUID | str) -> None:
    with pytest.raises(NotFound) as info:
        phone_code_confirm(code_id=code_id, code="123456")
    assert info.value.code == "code_not_found"


@pytest.mark.django_db(transaction=True)
def test_wrong_attempt_is_committed_although_the_call_fails() -> None:
    phone_code, code = send()
    with pytest.raises(ValidationFailed):
        phone_code_confirm(code_id=phone_code.id, code=wrong(code))
    assert not transaction.get_connection().in_atomic_block
    assert PhoneCode.objects.get(pk=phone_code.id).attempts == 1


@pytest.mark.django_db(transaction=True)
def test_confirm_refuses_to_run_inside_a_transaction() -> None:
    """Inside the caller's transaction a failed guess could be rolled back and not count."""
    phone_code, code = send()
    with pytest.raises(RuntimeError), transaction.atomic():
        phone_code_confirm(code_id=phone_code.id, code=code)
    assert PhoneCode.objects.get(pk=phone_code.id).attempts == 0


# --- consume ------------------------------------------------------------------------------------------


def test_consume_exactly_once(confirmed: PhoneCode) -> None:
    consume(confirmed)
    with pytest.raises(ValidationFailed) as info:
        consume(confirmed)
    assert info.value.code == "phone_not_confirmed"


def test_consume_accepts_any_spelling_of_the_phone(confirmed: PhoneCode) -> None:
    spelled = (
        f"8 ({confirmed.phone[2:5]}) {confirmed.phone[5:8]}-{confirmed.phone[8:10]}-{confirmed.phone[10:]}"
    )
    assert consume(confirmed, phone=spelled).consumed_at is not None


@pytest.mark.parametrize(
    "overrides",
    [
        {"phone": "+77770000001"},
        {"purpose": PhoneCode.Purpose.CABINET_LOGIN},
        {"purpose": PhoneCode.Purpose.WITHDRAWAL},
        {"subject": "A-1"},
    ],
    ids=["other-phone", "other-purpose", "withdrawal", "other-subject"],
)
def test_consume_with_another_phone_purpose_or_subject_fails(
    confirmed: PhoneCode, overrides: dict[str, str]
) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as info:
        consume(confirmed, **overrides)
    assert info.value.code == "phone_not_confirmed"
    assert "not confirmed" in str(info.value.message)
    confirmed.refresh_from_db()
    assert confirmed.consumed_at is None
    consume(confirmed)  # still usable with the right arguments


def test_consume_a_code_bound_to_a_subject() -> None:
    phone_code, code = send(purpose=PhoneCode.Purpose.WITHDRAWAL, subject="A-00017")
    phone_code_confirm(code_id=phone_code.id, code=code)
    with pytest.raises(ValidationFailed):
        consume(phone_code, subject="A-00018")
    assert consume(phone_code, subject="A-00017").consumed_at is not None


def test_consume_names_the_masked_phone() -> None:
    phone_code, _code = send("+77014445566")
    with pytest.raises(ValidationFailed) as info:
        consume(phone_code)
    assert "+7 701 *** ** 66" in str(info.value.message)
    assert "4445566" not in str(info.value.message)


def test_consume_refuses_unconfirmed_locked_and_unknown_codes() -> None:
    phone_code, code = send()
    with pytest.raises(ValidationFailed):
        consume(phone_code)
    for _ in range(5):
        with pytest.raises((ValidationFailed, TooManyRequests)):
            phone_code_confirm(code_id=phone_code.id, code=wrong(code))
    with pytest.raises(ValidationFailed):
        consume(phone_code)
    for code_id in (uuid.uuid4(), "garbage"):
        with pytest.raises(ValidationFailed) as info, transaction.atomic():
            phone_code_consume(code_id=code_id, phone=phone_code.phone, purpose=VERIFY)
        assert info.value.code == "phone_not_confirmed"


def test_confirmation_lasts_thirty_minutes() -> None:
    with time_machine.travel(START, tick=False) as traveller:
        phone_code, code = send()
        phone_code_confirm(code_id=phone_code.id, code=code)
        traveller.shift(30 * 60)
        with pytest.raises(ValidationFailed) as info:
            consume(phone_code)
        assert info.value.code == "phone_not_confirmed"
        traveller.shift(-1)
        consume(phone_code)


def test_after_a_rollback_the_code_is_not_consumed(confirmed: PhoneCode) -> None:
    class RegistrationFailed(Exception):
        pass

    def register() -> None:
        """A registration that consumes the code and then fails (e.g. a constraint of the application)."""
        with transaction.atomic():
            phone_code_consume(code_id=confirmed.id, phone=confirmed.phone, purpose=VERIFY)
            raise RegistrationFailed

    with pytest.raises(RegistrationFailed):
        register()
    confirmed.refresh_from_db()
    assert confirmed.consumed_at is None
    consume(confirmed)


@pytest.mark.django_db(transaction=True)
def test_consume_must_run_inside_a_transaction() -> None:
    phone_code, code = send()
    phone_code_confirm(code_id=phone_code.id, code=code)
    with pytest.raises(RuntimeError):
        phone_code_consume(code_id=phone_code.id, phone=phone_code.phone, purpose=VERIFY)
    assert PhoneCode.objects.get(pk=phone_code.id).consumed_at is None


# --- selectors, logs, purge, database -----------------------------------------------------------------


def test_phone_code_get() -> None:
    phone_code, _code = send()
    assert phone_code_get(code_id=phone_code.id) == phone_code
    assert phone_code_get(code_id=str(phone_code.id)) == phone_code
    for missing in (uuid.uuid4(), "nope"):
        with pytest.raises(NotFound):
            phone_code_get(code_id=missing)


def test_logs_show_neither_the_code_nor_the_phone(caplog: pytest.LogCaptureFixture) -> None:
    phone = "+77015556677"
    with caplog.at_level(logging.DEBUG):
        phone_code, code = send(phone)
        with pytest.raises(TooManyRequests):
            send(phone)
        with pytest.raises(ValidationFailed):
            phone_code_confirm(code_id=phone_code.id, code=wrong(code))
        phone_code_confirm(code_id=phone_code.id, code=code)
        consume(phone_code)
        with pytest.raises(ValidationFailed):
            consume(phone_code)
    text = "\n".join(f"{record.getMessage()} {record.args}" for record in caplog.records)
    assert "verification" in text.lower() or str(phone_code.id) in text
    for secret in (code, wrong(code), "5556677", "7015556677"):
        assert secret not in text
    assert "+7 701 *** ** 77" in text


def test_purge_deletes_codes_older_than_a_day() -> None:
    with time_machine.travel(START, tick=False) as traveller:
        send()
        traveller.shift(dt.timedelta(hours=1))
        recent, _code = send()
        traveller.move_to(START + dt.timedelta(days=1, seconds=1))
        assert phone_codes_purge() == 1
        assert phone_codes_purge() == 0
    assert list(PhoneCode.objects.all()) == [recent]


def test_purge_is_a_tick_sweep() -> None:
    assert registered_sweeps()["verification.purge_expired"] is phone_codes_purge
    with time_machine.travel(START, tick=False) as traveller:
        send()
        traveller.shift(dt.timedelta(days=2))
        assert tick_run()["verification.purge_expired"] == 1


def test_database_refuses_consumed_without_confirmed() -> None:
    phone_code, _code = send()
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneCode.objects.filter(pk=phone_code.pk).update(consumed_at=phone_code.created_at)


def test_database_refuses_expiry_before_creation() -> None:
    phone_code, _code = send()
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneCode.objects.filter(pk=phone_code.pk).update(expires_at=phone_code.created_at)


def test_database_refuses_negative_attempts_and_unknown_purposes() -> None:
    phone_code, _code = send()
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneCode.objects.filter(pk=phone_code.pk).update(attempts=-1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneCode.objects.filter(pk=phone_code.pk).update(purpose="lottery")


def test_a_decoy_sends_nothing_never_confirms_and_is_throttled_like_a_code() -> None:
    with time_machine.travel(START, tick=False):
        login = PhoneCode.Purpose.CABINET_LOGIN
        decoy = phone_code_decoy(key="900101300123", purpose=login, ip="192.0.2.5")
        assert len(decoy.phone) == 12
        assert decoy.phone.startswith("+70")  # never a Kazakhstan mobile number
        assert not OutboxMessage.objects.filter(idempotency_key=f"otp:{decoy.id}").exists()
        for _ in range(4):
            with pytest.raises(ValidationFailed):
                phone_code_confirm(code_id=decoy.id, code="123456")
        with pytest.raises(PhoneCodeLocked):
            phone_code_confirm(code_id=decoy.id, code="654321")
        # The same key gets the same stand-in number, held back by the resend interval like a real one.
        with pytest.raises(TooManyRequests):
            phone_code_decoy(key="900101300123", purpose=PhoneCode.Purpose.CABINET_LOGIN, ip=None)
        other = phone_code_decoy(key="900101300124", purpose=PhoneCode.Purpose.CABINET_LOGIN, ip=None)
        assert other.phone != decoy.phone
