"""Benchmark: the transparency log (issue #17) — building the tree, and its proof endpoints under load.

On a PostgreSQL database with a seeded queue (`--scale region` by default: `seed_demo --scale region`
when the database holds no demo data; or any database already seeded, e.g. the 1 000 000-application
one of `bench/integrity_check.py`):

1. empties the log (tiles, state, checkpoints) and builds it from the whole ledger in a child process —
   `log_integrate()` then `checkpoint_sign_due()` — measuring its wall time and peak memory (the child's
   own `ru_maxrss`);
2. serves the app with gunicorn (2 sync workers) and sends `--requests` requests from `--concurrency`
   client threads, a random mix of `GET /api/v1/open-data/log/proof/inclusion?index=&size=`,
   `GET /api/v1/open-data/log/proof/consistency?old=&new=` and `GET /healthz` (the baseline), each answer
   checked for 200;
3. prints one JSON line on stdout:

    {"events": …, "integrate_seconds": …, "integrate_max_rss_mb": …, "leaves_per_second": …,
     "requests": …, "errors": …, "inclusion_p99_ms": …, "consistency_p99_ms": …, "healthz_p99_ms": …}

Details go to stderr. Usage:

    .venv/bin/python bench/translog.py --database-url postgres://postgres@127.0.0.1:5432/kezek_bench_region
"""

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.placement_burst import ensure_region  # noqa: E402  (the path above first)
from bench.queue_position import PYTHON, ensure_database, free_port, gunicorn, log, percentile  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kezek_bench_region"
BUILD = """
import time
import django
django.setup()
from kezek.translog.services import checkpoint_sign_due, log_integrate
started = time.perf_counter()
added = log_integrate()
signed = checkpoint_sign_due()
print(added, signed, time.perf_counter() - started)
"""


def seeded(url: str) -> bool:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT EXISTS (SELECT 1 FROM ledger_event)").fetchone()
        return bool(row and row[0])


def empty_log(url: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("DELETE FROM translog_checkpoint")
        conn.execute("DELETE FROM translog_tile")
        conn.execute("DELETE FROM translog_state")


def build(url: str) -> tuple[int, float, float]:
    """Build the whole tree in a child process: (events added, seconds, peak RSS in MB)."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("KEZEK_ENV", None)
    process = subprocess.Popen(
        [PYTHON, "-c", BUILD], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=sys.stderr
    )
    output = process.stdout.read().decode() if process.stdout else ""
    _pid, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"building the log failed: {output}")
    added, signed, seconds = output.split()
    log(f"integrated {added} events, signed {signed} checkpoint(s) in {float(seconds):.1f} s")
    return int(added), float(seconds), usage.ru_maxrss / 1024


def load(port: int, size: int, requests: int, concurrency: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    plan: list[tuple[str, str]] = []
    for _ in range(requests):
        kind = rng.choice(("inclusion", "consistency", "healthz"))
        if kind == "inclusion":
            index = rng.randrange(size)
            plan.append((kind, f"/api/v1/open-data/log/proof/inclusion?index={index}&size={size}"))
        elif kind == "consistency":
            old = rng.randrange(1, size + 1)
            plan.append((kind, f"/api/v1/open-data/log/proof/consistency?old={old}&new={size}"))
        else:
            plan.append((kind, "/healthz"))
    latencies: dict[str, list[float]] = {"inclusion": [], "consistency": [], "healthz": []}
    errors = 0
    lock = threading.Lock()
    queue = iter(plan)

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while True:
            with lock:
                item = next(queue, None)
            if item is None:
                break
            kind, path = item
            started = time.perf_counter()
            try:
                conn.request("GET", path)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                ok = False
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies[kind].append(elapsed)
                errors += not ok
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "requests": requests,
        "errors": errors,
        **{f"{kind}_p99_ms": round(percentile(values, 0.99), 1) for kind, values in latencies.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args()
    url = args.database_url
    ensure_database(url)
    if not seeded(url):
        ensure_region(url, reset=False)
    empty_log(url)
    events, seconds, rss = build(url)
    with gunicorn(url, workers=2, port=(port := free_port())):
        figures = load(port, events, args.requests, args.concurrency, args.seed)
    print(
        json.dumps(
            {
                "events": events,
                "integrate_seconds": round(seconds, 1),
                "integrate_max_rss_mb": round(rss),
                "leaves_per_second": round(events / seconds) if seconds else None,
                **figures,
            }
        )
    )


if __name__ == "__main__":
    main()
