"""The guards stay apart: ``checks.lint`` and ``checks.wiring`` never import each other, the
shared core imports neither, and ``service`` imports nothing from ``checks``. Imports are read
with ``ast`` (relative ones resolved, lazy ones inside functions included)."""

from __future__ import annotations

import ast
from pathlib import Path

from checks.core.source import ModuleNames, absolute_module

ROOT = Path(__file__).resolve().parents[2]

# Package -> packages it must never import.
FORBIDDEN = {
    "checks.lint": ("checks.wiring",),
    "checks.wiring": ("checks.lint",),
    "checks.core": ("checks.lint", "checks.wiring", "checks.harness"),
    "service": ("checks",),
}


def imported(path: Path) -> set[str]:
    module, is_package = ModuleNames().of(path)
    package = module if is_package else module.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = absolute_module(package, node.module or "", node.level)
            names.add(base)
            # ``from checks import wiring`` imports the sub-package.
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


def violations(root: Path) -> list[str]:
    found = []
    for package, forbidden in FORBIDDEN.items():
        directory = root.joinpath(*package.split("."))
        for path in sorted(directory.rglob("*.py")):
            for name in sorted(imported(path)):
                relative = path.relative_to(root).as_posix()
                if any(_within(name, bad) for bad in forbidden):
                    found.append(f"{relative} imports {name}")
    return found


def test_the_guards_and_the_service_import_only_what_they_may() -> None:
    assert violations(ROOT) == []


def test_a_forbidden_import_is_caught(tmp_path: Path) -> None:
    for package in ("checks", "checks/lint", "checks/wiring", "checks/core", "service"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "checks/lint/a.py").write_text("def f():\n    from ..wiring import rules\n")
    (tmp_path / "checks/wiring/b.py").write_text("from checks import lint\n")
    (tmp_path / "checks/core/c.py").write_text("import checks.wiring.rules\n")
    (tmp_path / "service/d.py").write_text("from checks.findings import Finding\n")
    (tmp_path / "service/e.py").write_text("import json\nfrom . import d\n")
    assert violations(tmp_path) == [
        "checks/lint/a.py imports checks.wiring",
        "checks/lint/a.py imports checks.wiring.rules",
        "checks/wiring/b.py imports checks.lint",
        "checks/core/c.py imports checks.wiring.rules",
        "service/d.py imports checks.findings",
        "service/d.py imports checks.findings.Finding",
    ]
