"""Benchmark: a country's month of per-capita funding (issue #18, rules E22–E27).

Loads (once) a country-scale month into PostgreSQL — N enrolled children (default 900 000) in groups of
25, six groups a kindergarten, 20 localities, a locked timesheet for every group and one mark per child and
working day of September 2026 (22 working days; about one day in nine an absence with a reason), written
in bulk with SQL — then, in a child process, calculates every locality's statements of the month
(`funding.services.statements_calculate`: SQL GROUP BY per batch of groups, rows written with COPY) and
freezes them (`statements_freeze`: each statement's canonical SHA-256 streamed from its rows, ledger
events in one batch). Prints one JSON line on stdout:

    {"children": …, "marks": …, "calc_s": …, "statements_s": …, "peak_rss_mb": …}

`calc_s` = the calculation of every locality, `statements_s` = the freezing of every statement (hashes and
ledger), `peak_rss_mb` = the child process's peak resident memory (`ru_maxrss` from `os.wait4`: the loading
is not counted). Targets: calc_s < 60 and peak_rss_mb < 2048 at 900 000 children. Progress goes to stderr.

Usage (PostgreSQL only; the database is created and migrated when missing, the data loaded when it holds
fewer than N enrolments; each run deletes the month's statements first, so it can be repeated):

    .venv/bin/python bench/funding_month.py --database-url postgres://postgres@127.0.0.1:5432/kezek_funding_bench
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.queue_position import PYTHON, ensure_database, log  # noqa: E402  (the path above first)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kezek_funding_bench"
MONTH = "2026-09-01"
LOCALITIES = 20
GROUP_SIZE = 25
GROUPS_PER_ORG = 6


def _env(url: str) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    env.pop("KEZEK_ENV", None)
    return env


def migrate(url: str) -> None:
    log("migrating")
    subprocess.run(
        [PYTHON, str(ROOT / "manage.py"), "migrate", "-v", "0"], cwd=ROOT, env=_env(url), check=True
    )


def counts(url: str) -> tuple[int, int]:
    with psycopg.connect(url) as conn:
        children = conn.execute("SELECT count(*) FROM placement_enrollment").fetchone()
        marks = conn.execute("SELECT count(*) FROM attendance_mark").fetchone()
    return int(children[0]) if children else 0, int(marks[0]) if marks else 0


def load(url: str, n: int, days: list[str]) -> None:
    """The country in bulk SQL (foreign-key triggers off while loading: replication role)."""
    groups = -(-n // GROUP_SIZE)
    orgs = -(-groups // GROUPS_PER_ORG)
    log(f"loading {n} children, {groups} groups, {orgs} kindergartens, {len(days)} working days")
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")
        for table in (
            "funding_statementrow", "funding_statementgroup", "funding_statement", "attendance_mark",
            "attendance_timesheetmonth", "placement_enrollment", "waitlist_child", "facilities_group",
            "facilities_organisation", "facilities_educationdepartment", "facilities_locality",
            "facilities_region",
        ):  # fmt: skip
            conn.execute(f"DELETE FROM {table}")  # noqa: S608  (bench tables)
        conn.execute(
            "INSERT INTO auth_user (id, password, is_superuser, username, first_name, last_name, email, "
            "is_staff, is_active, date_joined) "
            "VALUES (1, '!', false, 'bench', '', '', '', false, true, now()) "
            "ON CONFLICT DO NOTHING"
        )
        conn.execute(
            "INSERT INTO facilities_region (id, name_ru, name_kk, code) VALUES (1, 'Р', 'Р', 'bench')"
        )
        conn.execute(
            "INSERT INTO facilities_locality (id, name_ru, name_kk, region_id, code, kind) "
            "SELECT i, 'Город ' || i, 'Қала ' || i, 1, 'bench-' || i, 'city' FROM generate_series(1, %s) i",
            [LOCALITIES],
        )
        conn.execute(
            "INSERT INTO facilities_educationdepartment (id, name_ru, name_kk, locality_id, phone, email, "
            "address) SELECT i, 'Отдел ' || i, 'Бөлім ' || i, i, '', '', '' FROM generate_series(1, %s) i",
            [LOCALITIES],
        )
        conn.execute(
            "INSERT INTO facilities_organisation (id, name_ru, name_kk, bin, locality_id, department_id, "
            "kind, "
            "ownership, work_week, opens_at, closes_at, duty_group, extra_equipment, phone, website, email, "
            "address, is_active) SELECT i, 'Сад ' || i, 'Бақша ' || i, lpad(i::text, 12, '0'), "
            "1 + i %% %s, 1 + i %% %s, 'kindergarten', CASE WHEN i %% 5 = 0 THEN 'private' ELSE 'state' END, "
            "'five_day', '07:00', '19:00', '', '', '', '', '', 'адрес', true FROM generate_series(1, %s) i",
            [LOCALITIES, LOCALITIES, orgs],
        )
        conn.execute(
            "INSERT INTO facilities_group (id, organisation_id, name, age_from, age_to, language, kind, "
            "stay_mode, capacity, academic_year, is_active, closed_reason) SELECT g, 1 + (g - 1) / %s, "
            "'Группа ' || g, 1 + g %% 5, 2 + g %% 5, 'kk', CASE WHEN g %% 40 = 0 THEN 'correctional' "
            "ELSE 'general' END, CASE WHEN g %% 10 = 0 THEN 'half_day' ELSE 'full_day' END, "
            "30, 2026, true, '' "
            "FROM generate_series(1, %s) g",
            [GROUPS_PER_ORG, groups],
        )
        conn.execute(
            "INSERT INTO waitlist_child (id, iin, last_name, first_name, middle_name, birth_date, sex) "
            "SELECT i, lpad(i::text, 12, '0'), 'Тестов', 'Бала', '', date '2022-01-01' + (i %% 1000), "
            "CASE WHEN i %% 2 = 0 THEN 'M' ELSE 'F' END FROM generate_series(1, %s) i",
            [n],
        )
        conn.execute(
            "INSERT INTO placement_enrollment (id, group_id, child_id, staff_child, staff_reason, "
            "enrolled_on, "
            "leave_reason) SELECT i, 1 + (i - 1) / %s, i, true, 'bench', date '2026-08-01', '' "
            "FROM generate_series(1, %s) i",
            [GROUP_SIZE, n],
        )
        log(f"enrolments loaded in {time.perf_counter() - started:.0f} s; marks next")
        reasons = "ARRAY['illness_certified','illness','leave','quarantine','unexcused','closed']"
        conn.execute(
            "INSERT INTO attendance_mark (enrollment_id, child_id, group_id, day, present, reason, "  # noqa: S608
            "marked_by_id, marked_at) SELECT e.id, e.child_id, e.group_id, d, h %% 9 <> 0, "
            f"CASE WHEN h %% 9 = 0 THEN ({reasons})[1 + (h / 9) %% 6] ELSE '' END, 1, d::timestamptz "
            "FROM placement_enrollment e CROSS JOIN unnest(%s::date[]) d "
            "CROSS JOIN LATERAL (SELECT abs(hashint8(e.id * 40 + extract(day FROM d)::int)) AS h) x",
            [days],
        )
        conn.execute(
            "INSERT INTO attendance_timesheetmonth (group_id, month, state, submitted_at, locked_at, "
            "sheet_sha256) SELECT g, %s, 'locked', now(), now(), repeat('0', 64) "
            "FROM generate_series(1, %s) g",
            [MONTH, groups],
        )
        for table in ("facilities_locality", "facilities_organisation", "facilities_group", "waitlist_child",
                      "placement_enrollment"):  # fmt: skip
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608
            )
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE attendance_mark")
        conn.execute("ANALYZE")
    log(f"loaded in {time.perf_counter() - started:.0f} s")


CHILD = """
import datetime as dt, json, sys, time
from decimal import Decimal
import django
django.setup()
from django.contrib.auth.models import User
from django.db import connection
from kezek.facilities.models import Locality
from kezek.funding import services
from kezek.funding.models import Rate, Statement, StatementRow, Terms

month = dt.date.fromisoformat(sys.argv[1])
staff = User.objects.get(pk=1)
localities = list(Locality.objects.order_by("pk"))
with connection.cursor() as cursor:
    cursor.execute("DELETE FROM funding_statementrow")
    cursor.execute("DELETE FROM funding_statementgroup")
    cursor.execute("DELETE FROM funding_statement")
if not Rate.objects.exists():
    for locality in localities:
        for own in ("state", "private"):
            for kind in ("general", "correctional", "sanatorium"):
                for mode in ("full_day", "half_day"):
                    amount = Decimal("62500.00") if mode == "full_day" else Decimal("41250.50")
                    services.rate_set(locality=locality, ownership=own, group_kind=kind, age_from=0, age_to=8,
                        stay_mode=mode, amount=amount * (Decimal("1.3") if kind != "general" else 1),
                        valid_from=dt.date(2026, 1, 1), decision_number="bench", by_staff=staff)
        services.terms_set(locality=locality, max_parent_fee=Decimal("15000"),
            paid_reasons=["illness_certified", "quarantine", "closed"], valid_from=dt.date(2026, 1, 1),
            decision_number="bench", by_staff=staff)
started = time.perf_counter()
rows = 0
for locality in localities:
    rows += services.statements_calculate(month=month, locality=locality, by_staff=staff).rows
calc_s = time.perf_counter() - started
started = time.perf_counter()
frozen = sum(services.statements_freeze(month=month, locality=l, by_staff=staff) for l in localities)
statements_s = time.perf_counter() - started
print(json.dumps({"calc_s": round(calc_s, 1), "statements_s": round(statements_s, 1), "rows": rows,
                  "statements": frozen}))
"""


def run_month(url: str) -> tuple[dict[str, float], float]:
    env = {**_env(url), "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [PYTHON, "-c", CHILD, MONTH], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=sys.stderr
    )
    output = process.stdout.read().decode() if process.stdout else ""
    _pid, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"the calculation failed: {output}")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def working_days() -> list[str]:
    import datetime as dt

    from kezek.core.workdays import is_working_day

    first = dt.date.fromisoformat(MONTH)
    days = [first + dt.timedelta(days=i) for i in range(31)]
    return [d.isoformat() for d in days if d.month == first.month and is_working_day(d)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--n", type=int, default=900_000, help="enrolled children")
    parser.add_argument("--reload", action="store_true", help="load the data again")
    args = parser.parse_args()
    url = args.database_url
    ensure_database(url)
    migrate(url)
    children, marks = counts(url)
    if args.reload or children < args.n:
        load(url, args.n, working_days())
        children, marks = counts(url)
    log(f"{children} children, {marks} marks: calculating")
    timings, rss = run_month(url)
    log(f"{timings}")
    print(
        json.dumps(
            {
                "children": children,
                "marks": marks,
                "calc_s": timings["calc_s"],
                "statements_s": timings["statements_s"],
                "peak_rss_mb": round(rss),
            }
        )
    )


if __name__ == "__main__":
    main()
