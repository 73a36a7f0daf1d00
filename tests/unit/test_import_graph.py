"""The guards stay apart: ``loopwire.lint`` and ``loopwire.wiring`` never import each other, the
shared core imports neither, ``service`` imports nothing of the toolkit but the loop watchdog
(``loopwire.loopwatch``, which it runs in production), the watchdog imports nothing else of
loopwire, and loopwire imports nothing of the reference service (but its drivers). Imports are
read with ``ast`` (relative ones resolved, lazy ones inside functions included)."""

from __future__ import annotations

import ast
from pathlib import Path

from loopwire.core.source import ModuleNames, absolute_module

ROOT = Path(__file__).resolve().parents[2]

# Package -> packages it must never import.
FORBIDDEN = {
    "loopwire.lint": ("loopwire.wiring",),
    "loopwire.wiring": ("loopwire.lint",),
    "loopwire.core": ("loopwire.lint", "loopwire.wiring", "loopwire.harness"),
    "loopwire.loopwatch": ("loopwire",),
    "service": ("loopwire",),
    # What users install never needs the reference service (it is not installed with it).
    "loopwire": ("service",),
}
# The drivers of the reference service for this repository's own tests, nox sessions and
# benches: they ship in the wheel but only work in a checkout (the one wart of the layout).
REFERENCE_DRIVERS = {
    "loopwire/harness/client.py",
    "loopwire/harness/blocking_probe.py",
    "loopwire/harness/redis_backend.py",
}
# Package -> what it may import although a FORBIDDEN prefix covers it.
ALLOWED = {
    "loopwire.loopwatch": ("loopwire.loopwatch",),
    "service": ("loopwire.loopwatch",),
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
            # ``from loopwire import wiring`` imports the sub-package.
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
                if relative in REFERENCE_DRIVERS:
                    continue
                if any(_within(name, ok) for ok in ALLOWED.get(package, ())):
                    continue
                if any(_within(name, bad) for bad in forbidden):
                    found.append(f"{relative} imports {name}")
    return found


def test_the_guards_and_the_service_import_only_what_they_may() -> None:
    assert violations(ROOT) == []


def test_a_forbidden_import_is_caught(tmp_path: Path) -> None:
    packages = (
        "loopwire",
        "loopwire/lint",
        "loopwire/wiring",
        "loopwire/core",
        "loopwire/loopwatch",
    )
    for package in (*packages, "service"):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "loopwire/lint/a.py").write_text("def f():\n    from ..wiring import rules\n")
    (tmp_path / "loopwire/wiring/b.py").write_text("from loopwire import lint\n")
    (tmp_path / "loopwire/core/c.py").write_text("import loopwire.wiring.rules\n")
    (tmp_path / "service/d.py").write_text("from loopwire.findings import Finding\n")
    (tmp_path / "service/e.py").write_text("import json\nfrom . import d\n")
    (tmp_path / "service/f.py").write_text("from loopwire.loopwatch import watchdog\n")
    (tmp_path / "loopwire/loopwatch/g.py").write_text("from ..harness import client\n")
    (tmp_path / "loopwire/core/h.py").write_text("from service.schemas import JobStatus\n")
    assert violations(tmp_path) == [
        "loopwire/lint/a.py imports loopwire.wiring",
        "loopwire/lint/a.py imports loopwire.wiring.rules",
        "loopwire/wiring/b.py imports loopwire.lint",
        "loopwire/core/c.py imports loopwire.wiring.rules",
        "loopwire/loopwatch/g.py imports loopwire.harness",
        "loopwire/loopwatch/g.py imports loopwire.harness.client",
        "service/d.py imports loopwire.findings",
        "service/d.py imports loopwire.findings.Finding",
        "loopwire/core/h.py imports service.schemas",
        "loopwire/core/h.py imports service.schemas.JobStatus",
    ]
