import pytest


@pytest.fixture(autouse=True)
def queue_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests check the queue as `seed_demo` writes it: without the demo's enrolments and children's
    files (issue #18), which take children out of the queue; `tests/records/test_demo.py` checks those."""
    monkeypatch.setattr("kezek.demo.records.ENROL_ORGANISATIONS", 0)
