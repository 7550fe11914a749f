"""Benchmark: a burst of parents taking free places at the moment general access opens (issue #4).

On PostgreSQL with the region demo (`seed_demo --scale region`), publish P places (default 200) in
general groups of one locality, open general access at once (the publications' priority window is moved
into the past), serve the app with gunicorn (2 sync workers) and let C clients (default 2 000, each with
its own queued application and its own cabinet session) send

    POST /api/v1/cabinet/directions  {"application": <number>, "group": <group id>}

together (a bounded pool of client threads released by a barrier; every client sends one request, and
sends it again after `Retry-After` when answered 503, up to --retries times). 201 = got a place, 409 = no
place left; anything 5xx is an error. Afterwards the database is counted. Prints one JSON line on stdout:

    {"places": …, "clients": …, "directions": …, "duplicates": …, "lost": …, "unacknowledged": …,
     "errors_5xx": …, "errors_500": …, "errors_503": …, "p50_ms": …, "p99_ms": …, "rps": …, "fault": …}

`directions` = directions issued in the benchmark's groups, `duplicates` = places with more than one live
direction + applications with more than one live direction, `lost` = clients answered 201 whose
application has no live direction, `unacknowledged` = applications with a live direction whose client
never got its 201 (committed, then the answer failed: the parent finds it in the cabinet), `errors_5xx` =
5xx answers (every try counted), of which `errors_500` are 500 and `errors_503` are 503 (the database
was unreachable), `p50_ms`/`p99_ms` = client-side latency of one request (connect to last byte; waiting
for a free client thread or a retry is not counted), `rps` = requests / wall time of the burst.

`--fault db-restart` stops PostgreSQL (`pg_ctlcluster --skip-systemctl-redirect <version> main stop`,
the version from /etc/postgresql; needs root on the database host) --fault-after seconds into the burst
and starts it again --fault-seconds later; `fault` in the JSON line reports it. It disconnects everyone
else using that server too.

Required: directions == places, duplicates == 0, lost == 0, errors_500 == 0, and errors_5xx == 0
without a fault (with one: only 503s, and every client's last answer a 201 or 409); exit status 1
otherwise. Details go to stderr.

Setup, in this process (Django): the locality with the most queued applications; groups of kind
"general" there that have never had a published place; each gets `capacity = enrolled + k` (k ≤
--per-group) and `places_publish`, then its publication is moved to `published_at = now − 2 min,
priority_until = now − 1 min, policy = window` (a direct UPDATE: the ledger keeps the original window).
Clients are queued applications whose applicant has no other queued application (no sibling batches),
fitting a benchmark group's age range today; each targets one fitting group (balanced by places) and
gets a Django session with the keys `kezek.cabinet.sessions.sign_in` sets (no SMS sign-in, no throttles)
and a CSRF token (cookie and X-CSRFToken header).

Re-runs: the burst consumes its groups and ~P queued applications; the next run picks groups that never
had a place, so it can be repeated without a reset until the locality runs out of them; `--reset`
re-seeds (`seed_demo --scale region --reset`, ~1 minute) first.

Usage (PostgreSQL only; the database is created, migrated and seeded when missing):

    .venv/bin/python bench/placement_burst.py \
        --database-url postgres://postgres@127.0.0.1:5432/kezek_bench_region
"""

import argparse
import datetime as dt
import http.client
import json
import os
import random
import string
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python bench/placement_burst.py`: bench/ is on the path, not ROOT
    sys.path.insert(0, str(ROOT))

from bench.queue_position import (  # noqa: E402
    PYTHON,
    database_name,
    ensure_database,
    free_port,
    gunicorn,
    log,
    manage,
    percentile,
)

TAKE_PATH = "/api/v1/cabinet/directions"
SESSION_CHARS = string.ascii_lowercase + string.digits


@dataclass(frozen=True)
class Client:
    application: int
    group: int
    session: str
    csrf: str


@dataclass
class Setup:
    locality: str
    groups: dict[int, int]  # group id → places published
    clients: list[Client]
    applications: list[int]

    @property
    def places(self) -> int:
        return sum(self.groups.values())


# ----------------------------------------------------------------------------------------- database


def ensure_region(url: str, *, reset: bool) -> None:
    """Migrate; seed the region demo when the database holds no demo data (or always, with --reset)."""
    manage(url, "migrate", "--noinput", "-v", "0")
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT EXISTS (SELECT 1 FROM registry_registryperson)").fetchone()
        seeded = bool(row and row[0])
    if seeded and not reset:
        return
    command = ["seed_demo", "--scale", "region", "-v", "2", *(["--reset"] if seeded else [])]
    log(f"seeding: manage.py {' '.join(command)} (~1 minute)")
    started = time.perf_counter()
    manage(url, *command)
    log(f"seeded in {time.perf_counter() - started:.0f} s")


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("KEZEK_ENV", None)  # the same (dev) settings and SECRET_KEY as the gunicorn workers
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def prepare(*, places: int, clients: int, per_group: int, seed: int) -> Setup:
    """Publish the places with general access open, pick the clients and sign them in (see the docstring)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import transaction
    from django.db.models import Count, Exists, OuterRef
    from django.middleware.csrf import _get_new_csrf_string
    from django.utils.crypto import get_random_string

    from kezek.cabinet.sessions import APPLICANT_KEY, FINGERPRINT_KEY, _fingerprint
    from kezek.core import clock
    from kezek.core.middleware import SIGNED_IN
    from kezek.facilities.models import Group
    from kezek.placement import selectors
    from kezek.placement.models import Enrollment, Place, Policy, Publication
    from kezek.placement.services import places_publish
    from kezek.waitlist.models import Applicant, Application

    cabinet = next(kind for kind in SIGNED_IN if kind.marker == APPLICANT_KEY)
    stamps = (cabinet.signed_in_at_key, cabinet.seen_at_key)
    rng = random.Random(seed)
    queued = Application.objects.filter(status=Application.Status.QUEUED)
    top = queued.values("locality_id").annotate(n=Count("pk")).order_by("-n").first()
    if top is None:
        raise SystemExit("no queued applications: is the region demo loaded?")
    locality_id = top["locality_id"]
    single = (
        queued.values("applicant_id").annotate(n=Count("pk")).filter(n=1).values("applicant_id").order_by()
    )
    today = clock.today()

    # Groups untouched since the seed (its places all still open: the demo publishes every seat, P1), with
    # the eligible single-application pool of their age.
    candidates = list(
        Group.objects.filter(organisation__locality_id=locality_id, is_active=True, kind=Group.Kind.GENERAL)
        .exclude(Exists(Place.objects.filter(group=OuterRef("pk")).exclude(status=Place.Status.OPEN)))
        .select_related("organisation__locality")
        .order_by("pk")
    )
    rng.shuffle(candidates)
    pools: dict[tuple[int, int], set[int]] = {}
    chosen: dict[int, int] = {}
    by_id: dict[int, Group] = {}
    for group in candidates:
        if sum(chosen.values()) >= places:
            break
        enrolled = Enrollment.objects.filter(group=group, left_on__isnull=True).count()
        k = min(per_group, 60 - enrolled, places - sum(chosen.values()))  # capacity ≤ 60 (constraint)
        key = (group.age_from, group.age_to)
        if key not in pools:
            pools[key] = set(
                selectors._eligible(group, today).filter(applicant_id__in=single).values_list("pk", flat=True)
            )
        if k < 1 or len(pools[key]) < 2 * k:
            continue
        chosen[group.pk] = k
        by_id[group.pk] = group
    if sum(chosen.values()) < places:
        raise SystemExit(
            f"only {sum(chosen.values())} places possible in untouched groups of locality {locality_id}: "
            "re-seed with --reset"
        )

    # Clients: distinct single-application applicants fitting at least one chosen group.
    fits: dict[int, list[int]] = {}
    for gid, group in by_id.items():
        for app in pools[(group.age_from, group.age_to)]:
            fits.setdefault(app, []).append(gid)
    pool = sorted(fits)
    if len(pool) < clients:
        raise SystemExit(f"only {len(pool)} eligible applications for {clients} clients")
    picked = rng.sample(pool, clients)
    assigned: Counter[int] = Counter()
    targets: dict[int, int] = {}
    for app in picked:  # balanced: the fitting group with the fewest clients per place
        options = fits[app]
        best = min(assigned[g] / chosen[g] for g in options)
        gid = rng.choice([g for g in options if assigned[g] / chosen[g] == best])
        assigned[gid] += 1
        targets[app] = gid

    with transaction.atomic():
        publications = []
        for gid, k in chosen.items():
            group = by_id[gid]
            enrolled = Enrollment.objects.filter(group=group, left_on__isnull=True).count()
            # The seed's places go: the burst's k places are the group's only free ones.
            Place.objects.filter(group=group, status=Place.Status.OPEN).update(status=Place.Status.WITHDRAWN)
            Group.objects.filter(pk=gid).update(capacity=enrolled + k)
            group.refresh_from_db(fields=["capacity"])
            publication = places_publish(group=group)
            if publication is None or publication.places != k:
                raise SystemExit(
                    f"group {gid}: publishing {k} places gave {publication and publication.places}"
                )
            publications.append(publication.pk)
        now = clock.now()
        Publication.objects.filter(pk__in=publications).update(
            published_at=now - dt.timedelta(minutes=2),
            priority_until=now - dt.timedelta(minutes=1),
            policy=Policy.WINDOW,
        )

    applicants = dict(Application.objects.filter(pk__in=picked).values_list("pk", "applicant_id"))
    people = Applicant.objects.in_bulk(set(applicants.values()))
    expire = now + dt.timedelta(days=1)
    sessions: list[Session] = []
    out: list[Client] = []
    for app in picked:
        applicant = people[applicants[app]]
        session_key = get_random_string(32, SESSION_CHARS)
        data = SessionStore().encode(
            {
                APPLICANT_KEY: applicant.pk,
                FINGERPRINT_KEY: _fingerprint(applicant),
                **dict.fromkeys(stamps, int(now.timestamp())),  # as SessionTimeoutMiddleware stamps a sign-in
            }
        )
        sessions.append(Session(session_key=session_key, session_data=data, expire_date=expire))
        out.append(
            Client(application=app, group=targets[app], session=session_key, csrf=_get_new_csrf_string())
        )
    Session.objects.bulk_create(sessions, batch_size=1000)
    locality = by_id[next(iter(by_id))].organisation.locality.code
    return Setup(locality=locality, groups=chosen, clients=out, applications=picked)


def count(setup: Setup, acknowledged: set[int]) -> dict[str, int]:
    """What the burst left in the database: directions, duplicates, places still open; of the
    applications answered 201 (`acknowledged`), those without a live direction (lost), and live directions
    whose client got no 201 (unacknowledged)."""
    from django.db.models import Count

    from kezek.placement.models import LIVE_DIRECTION_STATES, Direction, Place

    groups = list(setup.groups)
    directions = Direction.objects.filter(group_id__in=groups)
    live = Direction.objects.filter(state__in=LIVE_DIRECTION_STATES)
    per_place = (
        live.filter(group_id__in=groups).values("place_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    )
    per_application = (
        live.filter(application_id__in=setup.applications)
        .values("application_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .count()
    )
    places = Place.objects.filter(group_id__in=groups)
    holding = set(live.filter(application_id__in=setup.applications).values_list("application_id", flat=True))
    return {
        "directions": directions.count(),
        "duplicates": per_place + per_application,
        "lost": len(acknowledged - holding),
        "unacknowledged": len(holding - acknowledged),
        "outsiders": directions.exclude(application_id__in=setup.applications).count(),
        "open": places.filter(status=Place.Status.OPEN).count(),
        "taken": places.filter(status=Place.Status.TAKEN).count(),
    }


# ------------------------------------------------------------------------------------------- client


@dataclass
class BurstResult:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)  # 0: no answer (connection error, timeout)
    samples: dict[int, bytes] = field(default_factory=dict)  # one body per unexpected status
    finals: dict[int, int] = field(default_factory=dict)  # application → its last answer's status


def burst(port: int, clients: list[Client], threads: int, timeout: float, retries: int) -> BurstResult:
    """Every client sends its one request (again after Retry-After when answered 503, `retries` times at
    most); `threads` threads start together (barrier) and take the next client as soon as they are free."""
    result = BurstResult()
    lock = threading.Lock()
    jobs = iter(clients)
    start = threading.Barrier(threads + 1)

    def take(client: Client) -> tuple[int, bytes, float]:
        """(status, body, Retry-After seconds or 0)."""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            body = json.dumps({"application": client.application, "group": client.group})
            conn.request(
                "POST",
                TAKE_PATH,
                body=body,
                headers={
                    "Content-Type": "application/json",
                    "Cookie": f"sessionid={client.session}; csrftoken={client.csrf}",
                    "X-CSRFToken": client.csrf,
                },
            )
            response = conn.getresponse()
            return response.status, response.read(), float(response.getheader("Retry-After") or 0)
        except (OSError, http.client.HTTPException) as exc:
            return 0, repr(exc).encode(), 0.0
        finally:
            conn.close()

    def worker() -> None:
        latencies: list[float] = []
        statuses: Counter[int] = Counter()
        samples: dict[int, bytes] = {}
        finals: dict[int, int] = {}
        start.wait()
        while True:
            with lock:
                client = next(jobs, None)
            if client is None:
                break
            for attempt in range(retries + 1):
                began = time.perf_counter()
                status, body, retry_after = take(client)
                latencies.append(time.perf_counter() - began)
                statuses[status] += 1
                if status not in (201, 409):
                    samples.setdefault(status, body[:500])
                if status != 503 or attempt == retries:
                    break
                time.sleep(retry_after or 1.0)
            finals[client.application] = status
        with lock:
            result.latencies.extend(latencies)
            result.statuses.update(statuses)
            result.finals.update(finals)
            for status, body in samples.items():
                result.samples.setdefault(status, body)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in pool:
        thread.join()
    result.seconds = time.perf_counter() - began
    return result


# -------------------------------------------------------------------------------------------- fault


def postgres_cluster(action: str) -> None:
    """`pg_ctlcluster <version> main <action>` of the local server (the newest version installed); `stop`
    is a fast shutdown (open transactions rolled back, clients disconnected)."""
    version = max(os.listdir("/etc/postgresql"), key=float)
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action]
    subprocess.run(command, check=True, stdout=sys.stderr)


def db_restart(after: float, down: float, report: dict[str, float]) -> threading.Thread:
    """A thread that stops PostgreSQL `after` seconds from now and starts it `down` seconds later;
    `report` gets the measured seconds."""

    def run() -> None:
        time.sleep(after)
        log(f"fault: stopping PostgreSQL for {down:.0f} s")
        began = time.perf_counter()
        postgres_cluster("stop")
        report["stopped_s"] = round(time.perf_counter() - began, 2)
        time.sleep(down)
        postgres_cluster("start")
        report["unavailable_s"] = round(time.perf_counter() - began, 2)
        log(f"fault: PostgreSQL started again, {report['unavailable_s']} s after the stop began")

    thread = threading.Thread(target=run, name="db-restart")
    thread.start()
    return thread


# --------------------------------------------------------------------------------------------- main


LOG_LOOP = """
import time
import django
django.setup()
from kezek.translog.services import checkpoint_sign_due, log_integrate
while True:
    log_integrate()
    checkpoint_sign_due()
    time.sleep(1)
"""


def log_loop(url: str) -> subprocess.Popen[bytes]:
    """The transparency log's sweeps (issue 17) every second — `tick` runs them every minute — in a
    process of their own, as `manage.py tick` would during the burst."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("KEZEK_ENV", None)
    return subprocess.Popen([PYTHON, "-c", LOG_LOOP], cwd=ROOT, env=env, stdout=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--places", type=int, default=200, help="places published (default 200)")
    parser.add_argument("--clients", type=int, default=2000, help="clients, one request each (default 2000)")
    parser.add_argument("--per-group", type=int, default=10, help="places per group at most (default 10)")
    parser.add_argument("--threads", type=int, default=96, help="client threads (default 96)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--timeout", type=float, default=60.0, help="client timeout per request, seconds")
    parser.add_argument("--seed", type=int, default=4, help="random seed of the choice of groups and clients")
    parser.add_argument("--reset", action="store_true", help="re-seed the region demo first (~1 minute)")
    parser.add_argument("--retries", type=int, default=5, help="tries again after a 503 (default 5)")
    parser.add_argument("--fault", choices=["db-restart"], help="stop PostgreSQL during the burst")
    parser.add_argument("--fault-after", type=float, default=3.0, help="seconds into the burst (default 3)")
    parser.add_argument("--fault-seconds", type=float, default=3.0, help="seconds stopped (default 3)")
    parser.add_argument(
        "--with-log", action="store_true",
        help="integrate the transparency log and sign checkpoints every second during the burst",
    )  # fmt: skip
    args = parser.parse_args()

    url = args.database_url
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("--database-url (or DATABASE_URL) must be a PostgreSQL URL")
    if args.reset and "bench" not in database_name(url):
        raise SystemExit("--reset re-seeds only a database whose name contains 'bench'")
    if not 1 <= args.places <= args.clients or args.threads < 1:
        raise SystemExit("need 1 ≤ places ≤ clients and threads ≥ 1")
    ensure_database(url)
    ensure_region(url, reset=args.reset)
    django_setup(url)
    from django.db import connections

    started = time.perf_counter()
    setup = prepare(places=args.places, clients=args.clients, per_group=args.per_group, seed=args.seed)
    log(
        f"setup {time.perf_counter() - started:.1f} s: {setup.places} places in {len(setup.groups)} groups "
        f"of {setup.locality}, {len(setup.clients)} clients with sessions"
    )
    connections.close_all()
    port = free_port()
    threads = min(args.threads, len(setup.clients))
    log(f"gunicorn --workers {args.workers} on 127.0.0.1:{port}; {threads} client threads")
    fault: dict[str, float] = {}
    with gunicorn(url, workers=args.workers, port=port):
        restart = db_restart(args.fault_after, args.fault_seconds, fault) if args.fault else None
        integrator = log_loop(url) if args.with_log else None
        result = burst(port, setup.clients, threads, args.timeout, args.retries)
        if restart is not None:
            restart.join()
        if integrator is not None:
            integrator.terminate()
            integrator.wait()
    connections.close_all()  # this process's connection did not survive a restart
    acknowledged = {application for application, status in result.finals.items() if status == 201}
    found = count(setup, acknowledged)

    ms = [1000 * value for value in result.latencies]
    requests = len(ms)
    errors_5xx = sum(n for status, n in result.statuses.items() if status >= 500)
    errors_500 = result.statuses[500]
    errors_503 = result.statuses[503]
    log(
        f"burst: {requests} requests in {result.seconds:.2f} s, "
        f"statuses {dict(sorted(result.statuses.items()))}, "
        f"p50 {percentile(ms, 0.5):.1f} ms, p90 {percentile(ms, 0.9):.1f} ms, "
        f"p99 {percentile(ms, 0.99):.1f} ms, max {max(ms, default=0):.1f} ms"
    )
    log(f"database: {found}")
    for status, body in sorted(result.samples.items()):
        log(f"status {status}: {body.decode(errors='replace')}")
    out = {
        "places": setup.places,
        "clients": len(setup.clients),
        "directions": found["directions"],
        "duplicates": found["duplicates"],
        "lost": found["lost"],
        "unacknowledged": found["unacknowledged"],
        "errors_5xx": errors_5xx,
        "errors_500": errors_500,
        "errors_503": errors_503,
        "p50_ms": round(percentile(ms, 0.5), 1),
        "p99_ms": round(percentile(ms, 0.99), 1),
        "rps": round(requests / result.seconds, 1) if result.seconds else 0.0,
        "fault": {"kind": args.fault, **fault} if args.fault else None,
        "with_log": args.with_log,
    }
    print(json.dumps(out), flush=True)
    allowed = {201, 409, 503} if args.fault else {201, 409}
    ok = (
        found["directions"] == setup.places
        and found["duplicates"] == 0
        and found["lost"] == 0
        and errors_500 == 0
        and (errors_5xx == errors_503 if args.fault else errors_5xx == 0)
        and set(result.statuses) <= allowed
        and set(result.finals.values()) <= {201, 409}
    )
    if not ok:
        log(
            "FAILED: required directions == places, duplicates == 0, lost == 0, errors_500 == 0, no other "
            "5xx (none at all without a fault) and every client's last answer 201/409"
        )
        raise SystemExit(1)


if __name__ == "__main__":
    main()
