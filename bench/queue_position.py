"""Benchmark: the public check-queue endpoint against a trivial endpoint of the same app, same run.

With N active applications in PostgreSQL (default 1 000 000, loaded by `seed_demo`), serve the app with
gunicorn (2 sync workers) and measure requests/s and latency of

    lookup:   POST /api/v1/queue/check  {"iin": <child IIN of a random queued application>}
    baseline: GET  /healthz             (one `SELECT 1`: Django's request cycle plus a database round trip)

in alternating phases of the same run (so both see the same machine state), from a separate client
process (stdlib http.client in a few threads; no wrk needed). Only 127.0.0.1 traffic.
Prints one JSON line on stdout:

    {"n": …, "lookup_rps": …, "baseline_rps": …, "ratio": …, "p99_ms": …, "baseline": "GET /healthz"}

`ratio` = lookup_rps / baseline_rps, `p99_ms` = 99th percentile latency of the lookups (client-side, one
request at a time per connection). Targets: ratio ≥ 0.5, p99_ms < 25. Details go to stderr.

Usage (PostgreSQL only; the database is created when missing and seeded when it holds fewer than N
active applications — a database whose name contains "bench" may be re-seeded with `seed_demo --reset`):

    .venv/bin/python bench/queue_position.py --database-url postgres://postgres@127.0.0.1:5432/kezek_bench
"""

import argparse
import contextlib
import http.client
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
ACTIVE = ("queued", "referred", "enrolled", "stop_listed")
LOOKUP_PATH = "/api/v1/queue/check"
BASELINE_PATH = "/healthz"
# Children under 7 that each scale's registry holds (seed_demo refuses more applications than this).
SCALE_CAPACITY = (("small", 2_700), ("region", 100_000), ("country", 1_800_000))


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------- database


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def ensure_database(url: str) -> None:
    """Create the database (createdb, or CREATE DATABASE when the client tools are missing) if needed."""
    parts = urlsplit(url)
    name = database_name(url)
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        log(f"creating database {name}")
        createdb = shutil.which("createdb")
        if createdb:
            command = [createdb]
            for flag, value in (("-h", parts.hostname), ("-p", parts.port), ("-U", parts.username)):
                if value:
                    command += [flag, str(value)]
            env = dict(os.environ)
            if parts.password:
                env["PGPASSWORD"] = parts.password
            subprocess.run([*command, name], check=True, env=env)
        else:
            conn.execute(f'CREATE DATABASE "{name}"')


def active_applications(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM waitlist_application WHERE status = ANY(%s)", [list(ACTIVE)]
        ).fetchone()
        return int(row[0]) if row else 0


def sample_iins(url: str, count: int, seed: float = 0.42) -> list[str]:
    """Child IINs of random queued applications (repeatable: setseed)."""
    with psycopg.connect(url) as conn:
        conn.execute("SELECT setseed(%s)", [seed])
        rows = conn.execute(
            "SELECT c.iin FROM waitlist_application a JOIN waitlist_child c ON c.id = a.child_id "
            "WHERE a.status = 'queued' ORDER BY random() LIMIT %s",
            [count],
        ).fetchall()
    return [row[0] for row in rows]


# The relations the check reads (each with its indexes).
CHECK_TABLES = (
    "waitlist_child", "waitlist_applicant", "waitlist_application", "facilities_locality",
    "waitlist_rank_node", "waitlist_queuesettings", "waitlist_stoplistentry",
)  # fmt: skip


def prewarm(url: str) -> None:
    """Read the check's tables and indexes into the OS page cache (pg_prewarm, mode 'read').

    A freshly seeded database is larger than what the page cache holds of it, and random IINs would
    otherwise measure first reads from disk rather than a server in its steady state.
    """
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        except psycopg.Error as error:
            log(f"no pg_prewarm ({error.sqlstate}): the run starts with a cold cache")
            return
        rows = conn.execute(
            "SELECT c.oid::regclass::text FROM pg_class c WHERE c.oid = ANY(%(t)s::regclass[]) UNION ALL "
            "SELECT i.indexrelid::regclass::text FROM pg_index i WHERE i.indrelid = ANY(%(t)s::regclass[])",
            {"t": list(CHECK_TABLES)},
        ).fetchall()
        started = time.perf_counter()
        blocks = 0
        for (rel,) in rows:
            row = conn.execute("SELECT pg_prewarm(%s::regclass, 'read')", [rel]).fetchone()
            blocks += int(row[0]) if row else 0
        log(
            f"prewarmed {len(rows)} relations ({blocks * 8 // 1024} MB) "
            f"in {time.perf_counter() - started:.1f} s"
        )


def manage(url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url}
    env.pop("KEZEK_ENV", None)
    # Its output goes to stderr: stdout carries the one JSON line only.
    subprocess.run([PYTHON, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT, stdout=sys.stderr)


def ensure_data(url: str, n: int, *, allow_reset: bool) -> int:
    """Migrate, and seed N applications if the database holds fewer active ones; return the count."""
    manage(url, "migrate", "--noinput", "-v", "0")
    have = active_applications(url)
    if have >= n:
        log(f"{have} active applications present: no seeding")
        return have
    scale = next((name for name, capacity in SCALE_CAPACITY if capacity >= n), None)
    if scale is None:
        raise SystemExit(f"n={n} is more than the country scale's children under 7 ({SCALE_CAPACITY[-1][1]})")
    command = ["seed_demo", "--scale", scale, "--applications", str(n), "-v", "2"]
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT EXISTS (SELECT 1 FROM registry_registryperson)").fetchone()
        seeded_before = bool(row and row[0])
    if seeded_before:
        if not allow_reset:
            raise SystemExit(
                f"{database_name(url)} holds other demo data ({have} active applications): re-seed it with "
                "--allow-reset (seed_demo --reset, which also empties its ledger) or use another database"
            )
        command.append("--reset")
    log(f"seeding: manage.py {' '.join(command)} (1 000 000 applications take ~15 minutes)")
    started = time.perf_counter()
    manage(url, *command)
    log(f"seeded in {time.perf_counter() - started:.0f} s")
    return active_applications(url)


# ------------------------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def gunicorn(url: str, *, workers: int, port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore:No directory at",  # WhiteNoise: no collectstatic for an API benchmark
        # The per-client throttle of the check (default 60/m) still runs on every request but never refuses
        # the benchmark's one client. (Its counts live in each worker's local-memory cache.)
        "QUEUE_CHECK_RATE": os.environ.get("BENCH_QUEUE_CHECK_RATE", "1000000/s"),
    }
    env.pop("KEZEK_ENV", None)  # dev settings (no HTTPS redirect), DEBUG off
    binary = Path(PYTHON).parent / "gunicorn"
    command = [
        str(binary) if binary.exists() else "gunicorn",
        "config.wsgi",
        "--workers", str(workers),
        "--bind", f"127.0.0.1:{port}",
        "--log-level", "warning",
        "--worker-tmp-dir", "/dev/shm" if Path("/dev/shm").is_dir() else "/tmp",  # noqa: S108
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=sys.stderr)
    try:
        wait_ready(port, process)
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", BASELINE_PATH)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready")


# ------------------------------------------------------------------------------------------- client


@dataclass
class PhaseResult:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)


@dataclass
class LoadConfig:
    port: int
    iins: list[str]
    duration: float
    phase: float
    concurrency: int
    max_requests: int
    warmup: float


def _request(conn: http.client.HTTPConnection, lookup: bool, iin: str) -> tuple[int, bytes]:
    if lookup:
        body = json.dumps({"iin": iin})
        conn.request("POST", LOOKUP_PATH, body=body, headers={"Content-Type": "application/json"})
    else:
        conn.request("GET", BASELINE_PATH)
    response = conn.getresponse()
    return response.status, response.read()


def _run_phase(
    config: LoadConfig, *, lookup: bool, seconds: float, budget: int, rng: random.Random
) -> PhaseResult:
    """All threads hit one endpoint until the phase ends or the request budget is spent."""
    result = PhaseResult()
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    counter = [0]
    iins = config.iins
    seeds = [rng.random() for _ in range(config.concurrency)]

    def worker(seed: float) -> None:
        local = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", config.port, timeout=30)
        latencies: list[float] = []
        errors = 0
        while True:
            with lock:
                if counter[0] >= budget:
                    break
                counter[0] += 1
            start = time.perf_counter()
            if start >= deadline:
                break
            try:
                status, body = _request(conn, lookup, local.choice(iins))
                ok = status == 200 and (not lookup or body.startswith(b"[{"))
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            latencies.append(time.perf_counter() - start)
            errors += not ok
        conn.close()
        with lock:
            result.latencies.extend(latencies)
            result.errors += errors

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in seeds]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    result.requests = len(result.latencies)
    return result


def run_load(config: LoadConfig) -> dict[str, Any]:
    """The client process: warm both endpoints up, then alternate phases until duration or budget."""
    rng = random.Random(7)
    _run_phase(config, lookup=True, seconds=config.warmup / 2, budget=10**9, rng=rng)
    _run_phase(config, lookup=False, seconds=config.warmup / 2, budget=10**9, rng=rng)
    totals = {True: PhaseResult(), False: PhaseResult()}
    lookup = True
    started = time.perf_counter()
    spent = 0
    while time.perf_counter() - started < config.duration and spent < config.max_requests:
        budget = config.max_requests - spent
        phase = _run_phase(config, lookup=lookup, seconds=config.phase, budget=budget, rng=rng)
        total = totals[lookup]
        total.requests += phase.requests
        total.errors += phase.errors
        total.seconds += phase.seconds
        total.latencies.extend(phase.latencies)
        spent += phase.requests
        lookup = not lookup
    return {
        name: {
            "requests": r.requests,
            "errors": r.errors,
            "seconds": r.seconds,
            "latencies": r.latencies,
        }
        for name, r in (("lookup", totals[True]), ("baseline", totals[False]))
    }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[index]


# --------------------------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--n", type=int, default=1_000_000, help="active applications wanted (default 1e6)")
    parser.add_argument("--duration", type=float, default=40.0, help="measured seconds, both endpoints")
    parser.add_argument("--phase", type=float, default=2.0, help="seconds per alternating phase")
    parser.add_argument("--concurrency", type=int, default=2, help="client threads (connections)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--max-requests", type=int, default=400_000, help="bound on measured requests")
    parser.add_argument("--warmup", type=float, default=4.0, help="warm-up seconds (both endpoints)")
    parser.add_argument("--sample", type=int, default=20_000, help="IINs sampled for the lookups")
    parser.add_argument("--allow-reset", action="store_true", help="re-seed a database holding demo data")
    args = parser.parse_args()

    url = args.database_url
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("--database-url (or DATABASE_URL) must be a PostgreSQL URL")
    ensure_database(url)
    n = ensure_data(url, args.n, allow_reset=args.allow_reset or "bench" in database_name(url))
    iins = sample_iins(url, args.sample)
    if not iins:
        raise SystemExit("no queued applications to look up")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE waitlist_application")  # visibility map and statistics after a load
    prewarm(url)
    port = free_port()
    log(f"n={n}; gunicorn --workers {args.workers} on 127.0.0.1:{port}; {len(iins)} IINs sampled")
    config = LoadConfig(
        port=port,
        iins=iins,
        duration=args.duration,
        phase=args.phase,
        concurrency=args.concurrency,
        max_requests=args.max_requests,
        warmup=args.warmup,
    )
    with gunicorn(url, workers=args.workers, port=port), ProcessPoolExecutor(max_workers=1) as pool:
        results = pool.submit(run_load, config).result()

    lookup, baseline = results["lookup"], results["baseline"]
    lookup_rps = lookup["requests"] / lookup["seconds"] if lookup["seconds"] else 0.0
    baseline_rps = baseline["requests"] / baseline["seconds"] if baseline["seconds"] else 0.0
    for name, r in (("lookup", lookup), ("baseline", baseline)):
        ms = [1000 * value for value in r["latencies"]]
        log(
            f"{name}: {r['requests']} requests in {r['seconds']:.1f} s, {r['errors']} errors, "
            f"p50 {percentile(ms, 0.5):.2f} ms, p90 {percentile(ms, 0.9):.2f} ms, "
            f"p99 {percentile(ms, 0.99):.2f} ms, max {max(ms, default=0):.2f} ms"
        )
    if lookup["errors"] or baseline["errors"]:
        log("WARNING: some requests failed (non-200 or no application in the answer)")
    out = {
        "n": n,
        "lookup_rps": round(lookup_rps, 1),
        "baseline_rps": round(baseline_rps, 1),
        "ratio": round(lookup_rps / baseline_rps, 3) if baseline_rps else None,
        "p99_ms": round(percentile([1000 * v for v in lookup["latencies"]], 0.99), 2),
        "baseline": "GET /healthz",
    }
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
