"""Notifications: the SMS backend and gateway, email, and the outbox's retry policy."""

from .env import IS_PRODUCTION, env_bool, env_str

# Dotted path of a kezek.notifications.backends.BaseSmsBackend. The default writes to the log only (the
# message is in the outbox table either way); "kezek.notifications.backends.HttpSmsGateway" sends.
SMS_BACKEND = env_str("SMS_BACKEND", "kezek.notifications.backends.LogSmsBackend")
SMS_GATEWAY_URL = env_str("SMS_GATEWAY_URL", "")
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_CONNECT_TIMEOUT = float(env_str("SMS_GATEWAY_CONNECT_TIMEOUT", "3"))  # seconds
SMS_GATEWAY_READ_TIMEOUT = float(env_str("SMS_GATEWAY_READ_TIMEOUT", "10"))  # seconds
SMS_GATEWAY_TRIES = int(env_str("SMS_GATEWAY_TRIES", "3"))  # within one attempt of the outbox
SMS_GATEWAY_RETRY_DELAY = float(env_str("SMS_GATEWAY_RETRY_DELAY", "0.5"))  # seconds, doubled per try

# Email: the console in development, SMTP (EMAIL_HOST, …) in production.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if IS_PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env_str("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = int(env_str("EMAIL_TIMEOUT", "10"))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Kezek <noreply@kezek.example.kz>")
# The site's public address, for absolute links in messages (an offer of a place links to the cabinet).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Outbox: attempts before a message fails for good; backoff between attempts (seconds, doubled after
# each failed attempt, capped); the tick sweep's batch.
NOTIFICATIONS_MAX_ATTEMPTS = int(env_str("NOTIFICATIONS_MAX_ATTEMPTS", "5"))
NOTIFICATIONS_RETRY_DELAY = float(env_str("NOTIFICATIONS_RETRY_DELAY", "60"))
NOTIFICATIONS_RETRY_MAX_DELAY = float(env_str("NOTIFICATIONS_RETRY_MAX_DELAY", "3600"))
# How long a sender's claim on a message lasts before another sender may take it: a message held by a
# killed sender waits that long, and it must outlast the slowest send (notifications.W001). Unset (None):
# derived from the gateway settings above, tries × (connect + read timeout) + the delays between tries,
# plus 20 s — 3 × (3 + 10) + 0.5 + 1 + 20 = 60.5 s (kezek.notifications.services.outbox_lease_seconds).
_lease = env_str("NOTIFICATIONS_LEASE_SECONDS", "")
NOTIFICATIONS_LEASE_SECONDS: float | None = float(_lease) if _lease else None
NOTIFICATIONS_SWEEP_BATCH = int(env_str("NOTIFICATIONS_SWEEP_BATCH", "50"))
NOTIFICATIONS_SWEEP_SECONDS = float(env_str("NOTIFICATIONS_SWEEP_SECONDS", "30"))
