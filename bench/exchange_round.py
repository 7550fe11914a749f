"""Benchmark: the weekly place-exchange round of a region (issue #19, rules E73–E77).

Loads (once) a region of LOCALITIES localities, KINDERGARTENS kindergartens each, five groups a
kindergarten (ages 2–3 … 6–7, Kazakh or Russian) and N enrolled children (default 20 000), each with an
open exchange offer ranking one to five kindergartens near its own (the same locality) — written in bulk
(the offers' own ledger events are not written: the round does not read them). Each run resets the
offers to open and deletes the rounds, then times the weekly sweep that starts every locality's round
(`exchange.services.rounds_start_due`: the pools read, top trading cycles, the exchanges, their moves and
ledger events written). Prints one JSON line on stdout:

    {"offers": …, "exchanges": …, "cycles_by_length": {"2": …, "3": …, …}, "round_s": …}

Target: round_s < 10 at 20 000 offers. Progress goes to stderr.

Usage (PostgreSQL; the database is created and migrated when missing):

    .venv/bin/python bench/exchange_round.py --database-url postgres://postgres@127.0.0.1:5432/kezek_exchange_bench
"""

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.queue_position import PYTHON, ensure_database, log  # noqa: E402  (the path above first)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/kezek_exchange_bench"
LOCALITIES = 5
KINDERGARTENS = 50  # per locality
AGES = ((2, 3), (3, 4), (4, 5), (5, 6), (6, 7))
NEAR = 6  # an offer ranks kindergartens within this many places of its own in the locality's list
ROUND_AT = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=5)))  # a Monday


def migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "LOG_LEVEL": "WARNING"}
    env.pop("KEZEK_ENV", None)
    log("migrating")
    subprocess.run([PYTHON, str(ROOT / "manage.py"), "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)


def load(n: int, rng: random.Random) -> None:
    """The region, its kindergartens and groups, N children enrolled and offering their seats."""
    from kezek.core.clock import years_before
    from kezek.exchange.models import ExchangeChoice, ExchangeOffer
    from kezek.facilities.models import Group, Organisation
    from kezek.placement.models import Enrollment
    from kezek.waitlist.models import Applicant, Child
    from tests.factories import GroupFactory, LocalityFactory, OrganisationFactory, RegionFactory

    log(f"loading {n} offers")
    region = RegionFactory.create()
    today = ROUND_AT.date()
    parent = Applicant.objects.create(
        iin="900101300001",
        last_name="Bench",
        first_name="Parent",
        phone="+77010000001",
        phone_alt="+77010000002",
    )
    groups: list[tuple[int, Group, list[int]]] = []  # (locality index, group, the locality's kindergartens)
    for li in range(LOCALITIES):
        locality = LocalityFactory.create(region=region)
        organisations = [OrganisationFactory.create(locality=locality) for _ in range(KINDERGARTENS)]
        ids = [o.pk for o in organisations]
        for organisation in organisations:
            language = rng.choice(("kk", "kk", "ru"))
            for age_from, age_to in AGES:
                group = GroupFactory.create(
                    organisation=organisation,
                    age_from=age_from,
                    age_to=age_to,
                    language=language,
                    capacity=25,
                )
                groups.append((li, group, ids))
    per_group = -(-n // len(groups))
    children: list[Child] = []
    seats: list[tuple[Group, list[int]]] = []
    for _li, group, ids in groups:
        for _ in range(min(per_group, n - len(children))):
            k = len(children)
            birth = years_before(today, group.age_from) - dt.timedelta(days=rng.randint(1, 360))
            children.append(
                Child(iin=f"{k:012d}", last_name="Bench", first_name=f"C{k}", birth_date=birth, sex="M")
            )
            seats.append((group, ids))
    Child.objects.bulk_create(children, batch_size=5000)
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(group=group, child=child, staff_child=True, staff_reason="bench", enrolled_on=today)
            for child, (group, _ids) in zip(children, seats, strict=True)
        ],
        batch_size=5000,
    )
    offers = ExchangeOffer.objects.bulk_create(
        [
            ExchangeOffer(
                enrollment=enrollment,
                applicant=parent,
                group=group,
                locality_id=group.organisation.locality_id,
                age_from=group.age_from,
                age_to=group.age_to,
                language=group.language,
                created_at=ROUND_AT - dt.timedelta(days=1, seconds=i),
            )
            for i, (enrollment, (group, _ids)) in enumerate(zip(enrollments, seats, strict=True))
        ],
        batch_size=5000,
    )
    choices = []
    for offer, (group, ids) in zip(offers, seats, strict=True):
        own = ids.index(group.organisation_id)
        near = [ids[j] for j in range(max(0, own - NEAR), min(len(ids), own + NEAR + 1)) if j != own]
        for rank, organisation_id in enumerate(rng.sample(near, rng.randint(1, 5)), 1):
            choices.append(ExchangeChoice(offer=offer, organisation_id=organisation_id, rank=rank))
    ExchangeChoice.objects.bulk_create(choices, batch_size=10000)
    log(f"loaded {len(offers)} offers, {len(choices)} choices, {Organisation.objects.count()} kindergartens")


def reset() -> None:
    """Every offer open again, no round: the run can be repeated."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM exchange_exchangemove")
        cursor.execute("DELETE FROM exchange_exchange")
        cursor.execute("DELETE FROM exchange_exchangeround")
        cursor.execute("UPDATE exchange_exchangeoffer SET status = 'open', closed_at = NULL")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--offers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    ensure_database(args.database_url)
    migrate(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    import time_machine

    from kezek.exchange.models import Exchange, ExchangeOffer
    from kezek.exchange.services import rounds_start_due

    with time_machine.travel(ROUND_AT, tick=True):
        if ExchangeOffer.objects.count() < args.offers:
            load(args.offers, random.Random(args.seed))
        reset()
        started = time.perf_counter()
        rounds = rounds_start_due()
        round_s = time.perf_counter() - started
    lengths = Counter(Exchange.objects.values_list("length", flat=True))
    log(f"{rounds} rounds")
    line = {
        "offers": ExchangeOffer.objects.count(),
        "exchanges": sum(lengths.values()),
        "cycles_by_length": {str(k): lengths[k] for k in sorted(lengths)},
        "round_s": round(round_s, 2),
    }
    print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
