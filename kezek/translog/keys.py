"""The log's signing key: TRANSPARENCY_LOG_KEY (env KEZEK_LOG_KEY), or in development a key generated once
into TRANSPARENCY_LOG_DEV_KEY_FILE. Production without a key is a system check error (translog.E001)."""

import contextlib
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kezek_verify import note


def _dev_key(path: Path) -> str:
    """The development key kept in `path`, generated on first use. Written to a temporary file and linked
    into place, so concurrent first uses (test workers, the worker and the server) all read one key."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    skey, _vkey = note.generate_key(settings.TRANSPARENCY_LOG_ORIGIN)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".kezek-log-key.")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(skey + "\n")
        with contextlib.suppress(FileExistsError):  # another process was first: its key is the one
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return path.read_text(encoding="ascii").strip()


def signer_key_text() -> str:
    """The signed-note private key text; ImproperlyConfigured in production when it is not set."""
    if settings.TRANSPARENCY_LOG_KEY:
        return str(settings.TRANSPARENCY_LOG_KEY).strip()
    if settings.IS_PRODUCTION:
        raise ImproperlyConfigured("KEZEK_LOG_KEY (the log's signing key) must be set in production.")
    return _dev_key(Path(settings.TRANSPARENCY_LOG_DEV_KEY_FILE))


def log_signer() -> note.Ed25519Signer:
    """The log's signer (NoteError for a malformed key)."""
    return note.new_signer(signer_key_text())


def log_vkey() -> str:
    """The verifier key text (`<name>+<hash>+<base64>`) that checks the log's checkpoints."""
    verifier = log_signer().verifier()
    return note.new_ed25519_verifier_key(verifier.name, verifier.public_key)
