"""The queue's demo tests check the generated queue as it is: the attendance demo (which enrols some of
its children, closing their applications, P9) is left out here and tested on its own in
tests/attendance/test_demo.py."""

import pytest


@pytest.fixture(autouse=True)
def no_attendance_demo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kezek.demo.services.demo_attendance_load", lambda **_: {})
