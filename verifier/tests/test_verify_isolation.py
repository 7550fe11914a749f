"""kezek_verify imports only the standard library, `cryptography` and itself: never Django or Kezek, so the
log can be checked without the application (issue 17)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import kezek_verify

PACKAGE = Path(kezek_verify.__file__).parent
ALLOWED = set(sys.stdlib_module_names) | {"cryptography", "kezek_verify"}


def imported_modules(path: Path) -> set[str]:
    """The top-level names of every module the file imports (anywhere in it, not just at the top)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                names.add("kezek_verify")  # relative: within the package
            elif node.module:
                names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            # importlib.import_module("...") / __import__("...") with a literal name
            func = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            first = node.args[0] if node.args else None
            if func in {"import_module", "__import__"} and isinstance(first, ast.Constant):
                names.add(str(first.value).split(".")[0])
    return names


def test_modules_found() -> None:
    files = {p.name for p in PACKAGE.rglob("*.py")}
    assert {"__init__.py", "tlog.py", "note.py", "checkpoint.py"} <= files


def test_imports_only_stdlib_and_cryptography() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        modules = imported_modules(path)
        forbidden = modules & {"django", "kezek", "config"}
        assert not forbidden, f"{path.name} imports {sorted(forbidden)}"
        assert modules <= ALLOWED, f"{path.name} imports {sorted(modules - ALLOWED)}"


def test_the_check_sees_imports(tmp_path: Path) -> None:
    """The checker itself: it finds plain, from, nested, relative and dynamic imports."""
    source = tmp_path / "probe.py"
    source.write_text(
        "import os\nfrom django.db import models\ndef f():\n    import kezek.core\n"
        "importlib.import_module('requests.adapters')\nfrom . import tlog\n",
        encoding="utf-8",
    )
    assert imported_modules(source) == {"os", "django", "kezek", "requests", "kezek_verify"}
