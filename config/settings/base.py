from .env import BASE_DIR, IS_PRODUCTION, env_bool, env_str

DEBUG = env_bool("DEBUG", default=False)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "captcha",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "kezek.core",
    "kezek.ledger",
    "kezek.registry",
    "kezek.facilities",
    "kezek.notifications",
    "kezek.verification",
    "kezek.waitlist",
    "kezek.cabinet",
    "kezek.placement",
    "kezek.vouchers",
    "kezek.confirmation",
    "kezek.opendata",
    "kezek.feedback",
    "kezek.discretion",
    "kezek.staff",
    "kezek.portal",
    "kezek.demo",
    "kezek.integrity",
    "kezek.translog",
    "kezek.records",
    "kezek.attendance",
    "kezek.funding",
    "kezek.exchange",
    "kezek.monitoring",
    "kezek.schooltransfer",
    "kezek.infection",
]

MIDDLEWARE = [
    "kezek.core.middleware.NoStoreMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "kezek.core.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kezek.core.middleware.SessionTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kezek.portal.context_processors.locality",
                "kezek.staff.context_processors.back_office",
            ],
        },
    },
]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = BASE_DIR / env_str("MEDIA_DIR", "media")
MEDIA_URL = "media/"
# A join-the-queue wizard's certificate, kept under media/waitlist/wizard/ until submit or cancel, is
# deleted by `tick` once abandoned this long (capped at the session's age).
WAITLIST_WIZARD_UPLOADS_MAX_AGE_SECONDS = int(env_str("WAITLIST_WIZARD_UPLOADS_MAX_AGE_SECONDS", "86400"))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Registry adapter (rule I3): dotted path of a kezek.registry.adapters.RegistryAdapter subclass.
REGISTRY_ADAPTER = env_str("REGISTRY_ADAPTER", "kezek.registry.adapters.LocalRegistry")
