"""Tiny helpers to read settings from the environment (12-factor)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# dev (default, zero setup), test, production
KEZEK_ENV = os.environ.get("KEZEK_ENV", "dev")
IS_PRODUCTION = KEZEK_ENV == "production"


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]
