from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .env import IS_PRODUCTION, env_bool, env_list, env_str

_DEV_SECRET = "dev-only-insecure-key-change-me-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", "" if IS_PRODUCTION else _DEV_SECRET)
if IS_PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY (50+ characters) must be set in production.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if IS_PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

if IS_PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env_str("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Cabinet and staff passwords.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# How many reverse proxies in front of the app append to X-Forwarded-For (0: use REMOTE_ADDR only).
TRUSTED_PROXY_COUNT = int(env_str("TRUSTED_PROXY_COUNT", "1" if IS_PRODUCTION else "0"))
# Public check-queue by IIN: requests per client address (django-ninja rate, e.g. "60/m"); keeps bulk
# enumeration of IINs slow. Counted in the cache, below.
QUEUE_CHECK_RATE = env_str("QUEUE_CHECK_RATE", "60/m")

# The cache holds the per-client API throttle. In memory by default, which is per process: with several
# gunicorn workers or hosts a client gets each one's allowance. REDIS_URL (e.g. redis://host:6379/0) makes
# it one shared count (Django's own Redis backend). OTP and password attempts are counted in the database.
REDIS_URL = env_str("REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Content Security Policy (django-csp): only our own origin; no inline script or style anywhere, so a
# template that needs behaviour ships it as a static file. Images may be data: URIs (the QR preview).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Cabinet sign-in captcha (django-simple-captcha, served by the app itself). Tests set CAPTCHA_TEST_MODE.
CAPTCHA_LENGTH = 5
CAPTCHA_TIMEOUT = 10  # minutes
CAPTCHA_TEST_MODE = env_bool("CAPTCHA_TEST_MODE", default=False)

# Staff second factor (django-otp TOTP): the issuer shown in the authenticator app.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Kezek")
# Failed codes are counted by Kezek's own attempt limiter (lockout with a clear 429, like passwords);
# django-otp's silent per-device delay would refuse a right code typed just after a wrong one.
OTP_TOTP_THROTTLE_FACTOR = 0
