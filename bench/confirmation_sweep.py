"""Benchmark: the yearly confirmation (#7) over a whole country's queue — the launch fan-out and the
end-of-campaign sweep, one campaign in every locality.

The sweep is destructive, so it runs on a copy of the seeded database (`CREATE DATABASE … TEMPLATE …`,
dropped at the end unless `--keep`). In the copy, inside this process:

1. one campaign is launched in every locality (`campaign_launch`, starting now, ending a month later);
2. `notify_s`: the launch message fan-out of every campaign (`campaigns_due`, what `tick` runs: one
   outbox message per affected applicant, batched by applicant id);
3. setup, not timed: `1 - --unconfirmed-share` of the affected applicants answer (Response rows written
   in bulk — `questionnaire_submit` one by one would take hours; only the rows matter to the sweep), then
   ANALYZE of the tables that grew (a month passes between the launch and the end: autovacuum has run);
4. `sweep_s`: the clock travels past the campaigns' end (time-machine, in this process only) and
   `campaigns_due` stop-lists every unconfirmed affected application (reason `cleanup`), 5 000 per
   transaction, with bulk ledger events and outbox rows (COPY), `CONFIRMATION_SWEEP_WORKERS` (default 2)
   localities at once;
5. checks, not timed (stderr): open cleanup stop-list entries, `application.stop_listed` ledger events
   with reason cleanup and stop-listing messages each equal `stop_listed`; no answered applicant
   stop-listed; no unconfirmed application left; every campaign closed; the ledger's new tail links and
   hashes (`--no-verify-ledger` skips it); Fenwick positions equal the plain merge in one swept cohort.

Prints one JSON line on stdout:

    {"applications": …, "affected": …, "notified": …, "stop_listed": …, "sweep_s": …, "notify_s": …}

`applications` = queued applications at the start, `affected` = queued applications the campaigns ask to
confirm (children of two full years by 31 December), `notified` = launch messages written (one per
applicant), `stop_listed` = applications the sweep stop-listed. Targets: sweep_s < 60, notify_s < 60.

Usage (PostgreSQL only; the source database is not changed — unless it holds no queued application:
then it is migrated and seeded):

    .venv/bin/python bench/confirmation_sweep.py \\
        --database-url postgres://postgres@127.0.0.1:5432/kezek_bench [--unconfirmed-share 0.4] [--keep]

No other connection to the source database may be open while it is copied (PostgreSQL's rule for a
template): the bench waits up to `--copy-wait` seconds for them to go, and never ends them.
"""

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.queue_position import (  # noqa: E402  (the path above first)
    SCALE_CAPACITY,
    database_name,
    ensure_database,
    log,
    manage,
)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kezek_bench"


# ----------------------------------------------------------------------------------------- database


def _with_name(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def count(url: str, sql: str, params: list[Any] | None = None) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(sql, params or []).fetchone()
        return int(row[0]) if row and row[0] is not None else 0


def ensure_source(url: str, n: int) -> None:
    """Seed the source (migrated first) when it holds no queued application; never re-seed it. A seeded
    source is left as it is: its copy is migrated."""
    ensure_database(url)
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT to_regclass('waitlist_application') IS NOT NULL").fetchone()
        seeded = bool(row and row[0])
    have = count(url, "SELECT count(*) FROM waitlist_application") if seeded else 0
    if have:
        if have < n:
            log(f"WARNING: {database_name(url)} has {have} applications (< {n}): not re-seeded")
        return
    manage(url, "migrate", "--noinput", "-v", "0")
    scale = next((name for name, capacity in SCALE_CAPACITY if capacity >= n), None)
    if scale is None:
        raise SystemExit(f"n={n} is more than the country scale's children under 7 ({SCALE_CAPACITY[-1][1]})")
    log(f"seeding {database_name(url)}: seed_demo --scale {scale} --applications {n} (1e6 take ~15 minutes)")
    started = time.perf_counter()
    manage(url, "seed_demo", "--scale", scale, "--applications", str(n), "-v", "2")
    log(f"seeded in {time.perf_counter() - started:.0f} s")


def copy_database(source: str, target_name: str, *, wait: float) -> str:
    """CREATE DATABASE target TEMPLATE source (dropping an old copy first); returns the copy's URL."""
    source_name = database_name(source)
    if target_name == source_name:
        raise SystemExit("the copy must have another name than the source")
    maintenance = _with_name(source, "postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{target_name}"')
        deadline = time.monotonic() + wait
        started = time.perf_counter()
        while True:
            try:
                conn.execute(f'CREATE DATABASE "{target_name}" TEMPLATE "{source_name}"')
                break
            except psycopg.errors.ObjectInUse:
                # Other sessions on the template: wait for them (they are not ours to end).
                if time.monotonic() > deadline:
                    raise SystemExit(
                        f"{source_name} has other connections open: cannot copy it (waited {wait:.0f} s)"
                    ) from None
                time.sleep(2)
    log(f"copied {source_name} to {target_name} in {time.perf_counter() - started:.1f} s")
    return _with_name(source, target_name)


def drop_database(url: str) -> None:
    with psycopg.connect(_with_name(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}"')
    log(f"dropped {database_name(url)}")


# ------------------------------------------------------------------------------------------- django


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"  # no query log kept in memory
    os.environ.pop("KEZEK_ENV", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def launch_everywhere(limit: int | None = None) -> list[Any]:
    """One campaign in every locality (the first `limit` ones), starting now (`campaign_launch`);
    returns every open campaign."""
    from django.contrib.auth.models import User

    from kezek.confirmation.models import Campaign
    from kezek.confirmation.services import campaign_launch
    from kezek.core.errors import Conflict
    from kezek.facilities.models import Locality

    operator, _created = User.objects.get_or_create(
        username="bench-confirmation", defaults={"is_staff": True}
    )
    for locality in Locality.objects.order_by("pk")[:limit]:
        try:
            campaign_launch(locality=locality, by_staff=operator)
        except Conflict:
            log(f"locality {locality.pk} already has an open campaign (the seed's): it is swept too")
    return list(Campaign.objects.filter(swept_at__isnull=True).order_by("pk"))


def affected_counts(campaigns: list[Any]) -> tuple[int, int]:
    """(affected applications, applicants with one) over all campaigns."""
    from kezek.confirmation.selectors import affected_applications

    applications = applicants = 0
    for campaign in campaigns:
        affected = affected_applications(campaign=campaign)
        applications += affected.count()
        applicants += affected.order_by().values("applicant_id").distinct().count()
    return applications, applicants


def answer(campaigns: list[Any], *, answered_share: float, rng: random.Random) -> int:
    """Setup: a random `answered_share` of every campaign's asked applicants answer (Response rows); those
    who answered already (the demo campaign's) count towards the share."""
    from django.db import transaction

    from kezek.confirmation import questions
    from kezek.confirmation.models import Response
    from kezek.confirmation.selectors import affected_applications
    from kezek.core import clock
    from kezek.core.bulk import table_writer

    columns = [
        "campaign_id", "applicant_id", "submitted_at", "ownership", "ownership_reason", "language",
        "max_payment", "activities", "activity_other", "digital",
    ]  # fmt: skip
    ownerships = questions.Ownership.values
    reasons = questions.OwnershipReason.values
    languages = questions.Language.values
    activities = questions.Activity.values
    digital = questions.Digital.values
    now = clock.now()
    written = 0
    for campaign in campaigns:
        applicant_ids = sorted(
            affected_applications(campaign=campaign)
            .order_by()
            .values_list("applicant_id", flat=True)
            .distinct()
        )
        answered = set(campaign.responses.values_list("applicant_id", flat=True))
        pending = [pk for pk in applicant_ids if pk not in answered]
        wanted = max(0, round(answered_share * len(applicant_ids)) - len(answered))
        chosen = sorted(rng.sample(pending, min(wanted, len(pending))))
        rows = []
        for applicant_id in chosen:
            ownership = rng.choice(ownerships)
            rows.append(
                (
                    campaign.pk,
                    applicant_id,
                    now,
                    ownership,
                    "" if ownership == "any" else rng.choice(reasons),
                    rng.choice(languages),
                    rng.choice(questions.PAYMENT_BANDS),
                    rng.sample(activities, rng.randint(0, 3)),
                    "",
                    rng.sample(digital, rng.randint(0, 4)),
                )
            )
        with transaction.atomic():
            written += table_writer().insert(Response, columns, rows)
    return written


def vacuum_analyze(url: str, tables: list[str]) -> None:
    started = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        for table in tables:
            conn.execute(f"VACUUM ANALYZE {table}")
    log(f"VACUUM ANALYZE {', '.join(tables)}: {time.perf_counter() - started:.1f} s")


class SqlTrace:
    """Total time per kind of statement (its first words), for `--trace-sql`: where the time goes."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = " ".join(str(sql).split())[:90]
            self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - started
            self.calls[key] = self.calls.get(key, 0) + 1

    def report(self, name: str, total: float) -> None:
        spent = sum(self.seconds.values())
        log(f"{name}: {spent:.1f} s of {total:.1f} s in SQL (COPY not included), by statement:")
        for key, seconds in sorted(self.seconds.items(), key=lambda item: -item[1])[:12]:
            log(f"  {seconds:7.1f} s {self.calls[key]:7d} x  {key}")


def timed_due(*, trace: bool = False, profile: str = "") -> tuple[int, float]:
    """`campaigns_due()` (what `tick` runs) and its wall time; optionally traced or profiled."""
    import contextlib

    from django.db import connection

    from kezek.confirmation.services import campaigns_due

    tracer = SqlTrace()
    with contextlib.ExitStack() as stack:
        if trace:
            stack.enter_context(connection.execute_wrapper(tracer))
        profiler = None
        if profile:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started = time.perf_counter()
        done = campaigns_due()
        seconds = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
            log(f"profile written to {profile}")
    if trace:
        tracer.report("campaigns_due", seconds)
    connection.close()
    return done, seconds


# ------------------------------------------------------------------------------------------- checks


def verify_ledger_tail(after_seq: int) -> tuple[bool, int, str]:
    """The events after `after_seq`: consecutive seq, each linked to the previous hash, each hash right,
    and the head pointing at the last one. (`ledger_verify` walks the whole chain: the seed's too.)"""
    from kezek.ledger.models import LedgerEvent, LedgerHead

    previous = LedgerEvent.objects.filter(seq=after_seq).values_list("hash", flat=True).first()
    prev_hash = previous if previous is not None else "0" * 64
    expected = after_seq + 1
    checked = 0
    for event in LedgerEvent.objects.filter(seq__gt=after_seq).order_by("seq").iterator(chunk_size=5_000):
        if event.seq != expected:
            return False, checked, f"event {expected} missing"
        if event.prev_hash != prev_hash:
            return False, checked, f"event {event.seq}: prev_hash is not the previous hash"
        if event.hash != event.compute_hash():
            return False, checked, f"event {event.seq}: hash does not match its content"
        prev_hash = event.hash
        expected += 1
        checked += 1
    head = LedgerHead.objects.first()
    if head is None or head.last_seq != expected - 1 or head.last_hash != prev_hash:
        return False, checked, "the head does not point at the last event"
    return True, checked, ""


def check_positions(campaigns: list[Any], *, limit: int = 3_000) -> str:
    """Fenwick positions against the plain merge in the biggest swept cohort of at most `limit` queued."""
    from django.db.models import Count

    from kezek.waitlist import selectors as waitlist_selectors
    from kezek.waitlist.models import Application

    cohorts = (
        Application.objects.filter(status="queued", locality_id__in=[c.locality_id for c in campaigns])
        .values("locality_id", "cohort")
        .annotate(n=Count("id"))
        .filter(n__lte=limit, cohort__lte=campaigns[0].last_cohort)
        .order_by("-n")[:1]
    )
    if not cohorts:
        return "no cohort to check"
    locality_id, cohort = cohorts[0]["locality_id"], cohorts[0]["cohort"]
    reference = waitlist_selectors.cohort_order_reference(locality_id=locality_id, cohort=cohort)
    for place, number in enumerate(reference, start=1):
        position = waitlist_selectors.queue_position(application=Application.objects.get(pk=number))
        if position is None or (position.position, position.cohort_size) != (place, len(reference)):
            return f"locality {locality_id} cohort {cohort}: application {number} at {position}, not {place}"
    return f"ok (locality {locality_id}, cohort {cohort}: {len(reference)} queued)"


def baseline_ids() -> dict[str, int]:
    """The last stop-list entry and outbox message before the sweep (the seed has cleanup entries too)."""
    from kezek.notifications.models import OutboxMessage
    from kezek.waitlist.models import StopListEntry

    entry = StopListEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
    message = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first()
    return {"entry": entry or 0, "message": message or 0}


def verify(
    campaigns: list[Any], *, stop_listed: int, ledger_after: int, baseline: dict[str, int], ledger: bool
) -> bool:
    from django.db import connection

    from kezek.confirmation.models import Campaign
    from kezek.confirmation.selectors import unconfirmed_applications
    from kezek.ledger.models import LedgerEvent
    from kezek.notifications.models import OutboxMessage
    from kezek.waitlist.models import StopListEntry

    started = time.perf_counter()
    ids = [c.pk for c in campaigns]
    new_entries = StopListEntry.objects.filter(
        reason="cleanup", restored_at__isnull=True, pk__gt=baseline["entry"]
    )
    entries = new_entries.count()
    events = LedgerEvent.objects.filter(
        seq__gt=ledger_after, kind="application.stop_listed", payload__reason="cleanup"
    ).count()
    messages = OutboxMessage.objects.filter(
        pk__gt=baseline["message"], template="application_stop_listed", idempotency_key__contains=":cleanup:"
    ).count()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE waitlist_stoplistentry")  # new rows: a month's statistics are stale
        cursor.execute(
            "SELECT count(*) FROM waitlist_stoplistentry e "
            "JOIN waitlist_application a ON a.id = e.application_id "
            "JOIN confirmation_campaign c ON c.locality_id = e.locality_id AND c.id = ANY(%s) "
            "WHERE e.id > %s AND e.reason = 'cleanup' AND EXISTS (SELECT 1 FROM confirmation_response r "
            "WHERE r.campaign_id = c.id AND r.applicant_id = a.applicant_id)",
            [ids, baseline["entry"]],
        )
        answered_listed = cursor.fetchone()[0]
    left = sum(unconfirmed_applications(campaign=c).count() for c in Campaign.objects.filter(pk__in=ids))
    open_campaigns = Campaign.objects.filter(pk__in=ids, swept_at__isnull=True).count()
    counted = Campaign.objects.filter(pk__in=ids).values_list("stop_listed_count", flat=True)
    checks = {
        "cleanup stop-list entries == stop_listed": entries == stop_listed,
        "application.stop_listed (cleanup) ledger events == stop_listed": events == stop_listed,
        "stop-listing messages == stop_listed": messages == stop_listed,
        "campaigns' stop_listed_count sum == stop_listed": sum(counted) == stop_listed,
        "no answered applicant stop-listed": answered_listed == 0,
        "no unconfirmed application left": left == 0,
        "every campaign closed": open_campaigns == 0,
    }
    log(f"entries {entries}, events {events}, messages {messages}, answered stop-listed {answered_listed}, "
        f"unconfirmed left {left}, campaigns open {open_campaigns}")  # fmt: skip
    if ledger:
        ok, checked, problem = verify_ledger_tail(ledger_after)
        log(f"ledger tail: {checked} events after seq {ledger_after}: {'ok' if ok else problem}")
        checks["ledger tail verifies"] = ok
    positions = check_positions(campaigns)
    log(f"positions: {positions}")
    checks["Fenwick positions == plain merge"] = positions.startswith(("ok", "no cohort"))
    for name, ok in checks.items():
        log(f"check {'OK  ' if ok else 'FAIL'} {name}")
    log(f"checks took {time.perf_counter() - started:.1f} s")
    return all(checks.values())


# --------------------------------------------------------------------------------------------- main


def run(url: str, args: argparse.Namespace) -> tuple[dict[str, Any], bool]:
    unconfirmed_share: float = args.unconfirmed_share
    import time_machine

    applications = count(url, "SELECT count(*) FROM waitlist_application WHERE status = 'queued'")
    django_setup(url)
    from kezek.ledger.models import LedgerHead

    rng = random.Random(args.seed)

    campaigns = launch_everywhere(args.localities)
    affected, applicants = affected_counts(campaigns)
    log(f"{len(campaigns)} campaigns launched; {applications} queued, {affected} affected applications "
        f"of {applicants} applicants")  # fmt: skip

    profile = args.profile
    notified, notify_s = timed_due(trace=args.trace_sql, profile=f"{profile}.notify" if profile else "")
    log(f"fan-out: {notified} launch messages in {notify_s:.1f} s")

    answered = answer(campaigns, answered_share=1 - unconfirmed_share, rng=rng)
    log(f"setup: {answered} applicants answered ({1 - unconfirmed_share:.0%} of {applicants})")
    vacuum_analyze(url, ["confirmation_response", "notifications_outbox", "ledger_event"])

    head = LedgerHead.objects.first()
    ledger_after = head.last_seq if head else 0
    baseline = baseline_ids()
    end = max(c.ends_at for c in campaigns)
    with time_machine.travel(end + dt.timedelta(minutes=1), tick=True):
        stop_listed, sweep_s = timed_due(trace=args.trace_sql, profile=f"{profile}.sweep" if profile else "")
        log(f"sweep: {stop_listed} applications stop-listed in {sweep_s:.1f} s")
        ok = verify(
            campaigns,
            stop_listed=stop_listed,
            ledger_after=ledger_after,
            baseline=baseline,
            ledger=not args.no_verify_ledger,
        )
    out = {
        "applications": applications,
        "affected": affected,
        "notified": notified,
        "stop_listed": stop_listed,
        "sweep_s": round(sweep_s, 2),
        "notify_s": round(notify_s, 2),
    }
    return out, ok


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_URL, help="the seeded source (never modified)")
    parser.add_argument("--n", type=int, default=1_000_000, help="applications to seed an empty source with")
    parser.add_argument(
        "--unconfirmed-share", type=float, default=0.4, help="share of affected applicants who do not answer"
    )
    parser.add_argument("--seed", type=int, default=7, help="randomness of who answers")
    parser.add_argument("--copy-name", default="", help="name of the copy (default <source>_sweep)")
    parser.add_argument("--copy-wait", type=float, default=300, help="seconds to wait for the template")
    parser.add_argument("--keep", action="store_true", help="keep the copy after the run")
    parser.add_argument("--no-verify-ledger", action="store_true", help="skip the ledger tail check")
    parser.add_argument("--localities", type=int, default=None, help="only the first K localities")
    parser.add_argument("--trace-sql", action="store_true", help="time per SQL statement kind (stderr)")
    parser.add_argument("--profile", default="", help="cProfile the timed parts to PATH.notify/.sweep")
    args = parser.parse_args()

    source = args.database_url
    if not source.startswith(("postgres://", "postgresql://")):
        raise SystemExit("--database-url must be a PostgreSQL URL")
    if not 0 <= args.unconfirmed_share <= 1:
        raise SystemExit("--unconfirmed-share is between 0 and 1")
    ensure_source(source, args.n)
    copy = copy_database(source, args.copy_name or f"{database_name(source)}_sweep", wait=args.copy_wait)
    try:
        manage(copy, "migrate", "--noinput", "-v", "0")
        out, ok = run(copy, args)
    finally:
        if "django.apps" in sys.modules:
            from django.apps import apps

            if apps.ready:
                from django.db import connections

                connections.close_all()
        if not args.keep:
            drop_database(copy)
        else:
            log(f"kept {database_name(copy)}")
    print(json.dumps(out), flush=True)
    if not ok:
        raise SystemExit("some checks failed (see above)")


if __name__ == "__main__":
    main()
