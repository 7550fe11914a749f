"""The queue's demo tests check the generated queue as it is: the demo's enrolments with their children's
files (tests/records/test_demo.py) and its attendance (tests/attendance/test_demo.py), which take children
out of the queue, are left out here and tested on their own."""

import pytest


@pytest.fixture(autouse=True)
def queue_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kezek.demo.records.ENROL_ORGANISATIONS", 0)
    monkeypatch.setattr("kezek.demo.services.demo_attendance_load", lambda **_: {})
