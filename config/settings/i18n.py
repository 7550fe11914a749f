from django.utils.translation import gettext_lazy as _

from .env import BASE_DIR

LANGUAGE_CODE = "ru"
LANGUAGES = [
    ("kk", _("Kazakh")),
    ("ru", _("Russian")),
    ("en", _("English")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Almaty"
LANGUAGE_COOKIE_NAME = "kezek_language"
LANGUAGE_COOKIE_SECURE = False  # overridden in security.py for production
