"""`tick`: the one sweep that applies everything that is due (deadlines are data, see architecture).

Apps register their sweeps in `AppConfig.ready()`; each sweep must be idempotent and safe to run
concurrently with itself, and returns how many things it changed.
"""

from collections.abc import Callable

Sweep = Callable[[], int]
_SWEEPS: dict[str, Sweep] = {}


def register_sweep(name: str, sweep: Sweep) -> None:
    """Register an idempotent sweep under a unique dotted name ("notifications.outbox_retry")."""
    _SWEEPS[name] = sweep


def registered_sweeps() -> dict[str, Sweep]:
    return dict(sorted(_SWEEPS.items()))


def tick_run() -> dict[str, int]:
    """Run every registered sweep once; returns {name: number of things changed}."""
    return {name: sweep() for name, sweep in registered_sweeps().items()}
