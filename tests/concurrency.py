"""Real concurrency for PostgreSQL tests: threads, each with its own database connection."""

import threading
from collections import Counter
from collections.abc import Callable

from django.db import connection

from kezek.core.errors import DomainError


def run_parallel(count: int, fn: Callable[[int], object]) -> Counter[str]:
    """Run fn(0..count-1) in as many threads, released together; returns outcomes: "ok" or the error code."""
    start = threading.Barrier(count)
    outcomes: Counter[str] = Counter()
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            start.wait()
            fn(n)
            outcome = "ok"
        except DomainError as exc:
            outcome = exc.code
        except BaseException as exc:  # reported below
            unexpected.append(exc)
            return
        finally:
            connection.close()
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert unexpected == []
    return outcomes
