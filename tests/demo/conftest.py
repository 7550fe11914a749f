"""The queue's demo tests check the generated queue as it is: the demo's history — enrolments with their
children's files, vouchers, timesheets — which takes children out of the queue, is left out there and
tested on its own, on one seeded demo (test_seeded_demo.py: modules with `FULL_DEMO = True`)."""

import pytest


@pytest.fixture(autouse=True)
def queue_only(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if getattr(request.module, "FULL_DEMO", False):
        return
    monkeypatch.setattr("kezek.demo.records.ENROL_ORGANISATIONS", 0)
    monkeypatch.setattr("kezek.demo.services.demo_attendance_load", lambda **_: {})
