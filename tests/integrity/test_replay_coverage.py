"""Every ledger event kind the code writes has a replay rule (issue 16, item 1): a new kind without one
fails here. Kinds are read from the source: the first argument (or `kind=`) of every call to a ledger
writer; an f-string kind ("access_request.{status}") must have a rule for each of its values."""

import ast
from pathlib import Path

from kezek.integrity.replay import RULES

WRITERS = {"ledger_append", "EventSpec", "_ledger", "_access_ledger", "_indication_ledger", "_event"}
SOURCE = Path(__file__).resolve().parents[2] / "kezek"
# The values an f-string kind takes: its constant prefix → the statuses that follow it.
DYNAMIC = {
    "access_request.": {"approved", "rejected"},
    "medical_indication.": {"confirmed", "rejected"},
}


def _written_kinds() -> tuple[set[str], set[str]]:
    literal, dynamic = set(), set()
    for path in SOURCE.rglob("*.py"):
        if "integrity" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name not in WRITERS:
                continue
            kind: ast.expr | None = next(
                (k.value for k in node.keywords if k.arg == "kind"), node.args[0] if node.args else None
            )
            choices: list[ast.expr | None] = (
                [kind.body, kind.orelse] if isinstance(kind, ast.IfExp) else [kind]
            )
            for choice in choices:
                if isinstance(choice, ast.Constant) and isinstance(choice.value, str) and "." in choice.value:
                    literal.add(choice.value)
                elif isinstance(choice, ast.JoinedStr) and isinstance(choice.values[0], ast.Constant):
                    dynamic.add(str(choice.values[0].value))
    return literal, dynamic


def test_every_written_kind_has_a_replay_rule() -> None:
    literal, dynamic = _written_kinds()
    assert len(literal) > 30  # the scan finds the writers
    assert literal - RULES.keys() == set()
    assert dynamic <= DYNAMIC.keys(), f"an f-string kind to list in DYNAMIC: {dynamic - DYNAMIC.keys()}"
    for prefix in dynamic:
        assert {prefix + value for value in DYNAMIC[prefix]} <= RULES.keys()


def test_the_demos_kinds_have_rules() -> None:
    from kezek.demo.queue import EVENT_KINDS

    assert set(EVENT_KINDS) <= RULES.keys()
