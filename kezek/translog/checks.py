"""System check of the deployment: production signs the log's checkpoints with its own key (issue 17)."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning

from kezek_verify import note


def check_log_key(**kwargs: Any) -> list[CheckMessage]:
    key = str(settings.TRANSPARENCY_LOG_KEY).strip()
    if not key:
        if not settings.IS_PRODUCTION:
            return []  # development generates its own (kezek.translog.keys)
        return [
            Error(
                "The transparency log has no signing key.",
                hint="Set KEZEK_LOG_KEY to a signed-note private key (PRIVATE+KEY+…): "
                "python -c 'from kezek_verify.note import generate_key; print(generate_key(\"<origin>\"))'",
                id="translog.E001",
            )
        ]
    try:
        signer = note.new_signer(key)
    except note.NoteError as exc:
        return [Error(f"KEZEK_LOG_KEY is not a valid signed-note private key: {exc}.", id="translog.E002")]
    if signer.name != settings.TRANSPARENCY_LOG_ORIGIN:
        return [
            Warning(
                f"The log key's name {signer.name!r} is not the log's origin "
                f"{settings.TRANSPARENCY_LOG_ORIGIN!r}.",
                hint="Set KEZEK_LOG_ORIGIN to the key's name, or generate the key for the origin.",
                id="translog.W001",
            )
        ]
    return []
