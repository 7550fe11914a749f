"""The transparency log (issue 17): its origin line and its Ed25519 signing key (docs/transparency.md)."""

from urllib.parse import urlsplit

from .env import BASE_DIR, IS_PRODUCTION, env_str
from .notifications import SITE_URL

# The checkpoints' first line and the key's name: the log's identity, a schema-less URL. In production
# the site's host + "/log" unless set; in development a fixed name.
_SITE_HOST = urlsplit(SITE_URL).hostname
TRANSPARENCY_LOG_ORIGIN = env_str(
    "KEZEK_LOG_ORIGIN", f"{_SITE_HOST}/log" if IS_PRODUCTION and _SITE_HOST else "kezek.local/log"
)
# The signed-note private key ("PRIVATE+KEY+<name>+<hash>+<base64>", kezek_verify.note.generate_key).
# Required in production (system check translog.E001). Elsewhere, when unset, a key is generated once into
# TRANSPARENCY_LOG_DEV_KEY_FILE (gitignored), so `make run` signs with the same key every time.
TRANSPARENCY_LOG_KEY = env_str("KEZEK_LOG_KEY", "")
TRANSPARENCY_LOG_DEV_KEY_FILE = BASE_DIR / env_str("KEZEK_LOG_DEV_KEY_FILE", ".kezek-log-key")
