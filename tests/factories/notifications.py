"""Factories for `kezek.notifications`: outbox rows as `notification_enqueue` writes them (pending, due now).

Recipients are valid, distinct Kazakhstan mobile numbers (+7701…); `OutboxMessageFactory(email=True)`
gives an email message.
"""

import factory
from factory.django import DjangoModelFactory

from kezek.core import clock
from kezek.notifications.models import Channel, OutboxMessage, OutboxStatus


class OutboxMessageFactory(DjangoModelFactory[OutboxMessage]):
    class Meta:
        model = OutboxMessage

    class Params:
        email = factory.Trait(
            channel=Channel.EMAIL,
            recipient=factory.Sequence(lambda n: f"parent{n}@example.kz"),
        )

    idempotency_key = factory.Sequence(lambda n: f"test:{n}")
    channel = Channel.SMS
    recipient = factory.Sequence(lambda n: f"+7701{n % 10_000_000:07d}")
    language = "ru"
    template = "phone_code"
    subject = "Kezek: phone confirmation code"
    body = factory.Sequence(lambda n: f"Kezek: your code is {n % 1_000_000:06d}, valid 5 minutes.")
    status = OutboxStatus.PENDING
    next_attempt_at = factory.LazyFunction(clock.now)
    created_at = factory.LazyFunction(clock.now)
