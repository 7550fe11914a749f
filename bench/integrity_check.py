"""Benchmark: `manage.py integrity_check` (issue #16) over a whole country's queue.

With N active applications in PostgreSQL (default 1 000 000, loaded by `seed_demo` like
`bench/queue_position.py` does), run `manage.py integrity_check` in its own process — chain verification,
the replay of every ledger event, the diff of the replayed state against the live tables and the
recomputed rank/count tables — and measure its wall time and its peak memory (the child's own
`ru_maxrss`, from `os.wait4`: the seeding process is not counted). Prints one JSON line on stdout:

    {"applications": …, "events": …, "seconds": …, "max_rss_mb": …, "findings": …, "exit": …}

`applications` = active applications, `events` = ledger events, `findings` = what the command reported
(0 on an untouched demo), `exit` = its exit status. Targets: seconds < 300 and max_rss_mb < 2048 at
1 000 000 applications. Details (the command's own output) go to stderr.

Usage (PostgreSQL only; the database is created when missing and seeded when it holds fewer than N
active applications — a database whose name contains "bench" may be re-seeded with `seed_demo --reset`):

    .venv/bin/python bench/integrity_check.py --database-url postgres://postgres@127.0.0.1:5432/kezek_bench
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.queue_position import (  # noqa: E402  (the path above first)
    PYTHON,
    active_applications,
    database_name,
    ensure_data,
    ensure_database,
    log,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kezek_bench"


def ledger_events(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM ledger_event").fetchone()
        return int(row[0]) if row else 0


def run_check(url: str) -> tuple[int, float, float, str]:
    """Run the command; returns (exit status, seconds, peak RSS in MB, its output)."""
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    env.pop("KEZEK_ENV", None)
    started = time.perf_counter()
    process = subprocess.Popen(
        [PYTHON, str(ROOT / "manage.py"), "integrity_check"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    output = process.stdout.read().decode("utf-8", "replace") if process.stdout else ""
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, seconds, usage.ru_maxrss / 1024, output  # ru_maxrss is in KB on Linux


def findings_in(output: str) -> int:
    match = re.search(r"(\d+) findings in", output)
    if match:
        return int(match.group(1))
    return 0 if "integrity OK" in output else -1


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--n", type=int, default=1_000_000, help="active applications wanted")
    parser.add_argument("--allow-reset", action="store_true", help="re-seed a database not named *bench*")
    args = parser.parse_args()
    url = args.database_url
    ensure_database(url)
    ensure_data(url, args.n, allow_reset=args.allow_reset or "bench" in database_name(url))
    applications, events = active_applications(url), ledger_events(url)
    log(f"{applications} active applications, {events} ledger events: running integrity_check")
    status, seconds, rss_mb, output = run_check(url)
    sys.stderr.write(output[-4000:])
    print(
        json.dumps(
            {
                "applications": applications,
                "events": events,
                "seconds": round(seconds, 1),
                "max_rss_mb": round(rss_mb),
                "findings": findings_in(output),
                "exit": status,
            }
        )
    )


if __name__ == "__main__":
    main()
