"""Row locks have one shape and one home (`kezek.core.locks`): `select_for_update(` appears nowhere else in
the source, and only the apps' `locks.py` modules use it — so no lock takes joined rows along, and each
app's locks and their order are in one file."""

import re
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from kezek.facilities.locks import group_lock
from kezek.placement import locks as placement_locks
from kezek.placement.models import Direction
from tests.factories import GroupFactory

KEZEK = Path(__file__).resolve().parents[2] / "kezek"
CORE_LOCKS = KEZEK / "core" / "locks.py"


def sources() -> list[Path]:
    return sorted(path for path in KEZEK.rglob("*.py") if "migrations" not in path.parts)


def test_select_for_update_is_called_only_by_the_lock_helper() -> None:
    found = [
        f"{path.relative_to(KEZEK.parent)}:{number}"
        for path in sources()
        if path != CORE_LOCKS
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "select_for_update(" in line
    ]
    assert found == [], "lock rows through the app's locks.py (kezek.core.locks.locked)"


def test_only_the_apps_locks_modules_use_the_lock_helper() -> None:
    uses = re.compile(r"^\s*(from kezek\.core(\.locks | import .*\blocks\b)|import kezek\.core\.locks)", re.M)
    found = [
        str(path.relative_to(KEZEK.parent))
        for path in sources()
        if path.name != "locks.py" and uses.search(path.read_text())
    ]
    assert found == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_lock_with_joined_rows_locks_only_its_own_table() -> None:
    group = GroupFactory.create()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        group_lock(group.pk)
        with pytest.raises(Direction.DoesNotExist):
            placement_locks.direction_lock(0)
    group_sql, direction_sql = (q["sql"] for q in queries.captured_queries)
    assert 'JOIN "facilities_organisation"' in group_sql
    assert group_sql.endswith('FOR UPDATE OF "facilities_group"')
    assert direction_sql.endswith('FOR UPDATE OF "placement_direction"')
