"""A cached report is keyed by every module that shaped it, so editing one never serves a stale
report (``noqa`` comments, for one, are read by ``loopwire.suppression`` and cached)."""

from __future__ import annotations

import ast
from pathlib import Path

from loopwire.lint.cache import analysis_sources

ROOT = Path(__file__).resolve().parents[3]


def _file_of(module: str) -> Path | None:
    base = ROOT.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imported_checks_modules(start: str) -> set[Path]:
    """Files of the ``checks`` modules ``start`` imports, directly or through others."""
    seen: set[Path] = set()
    pending = [start]
    while pending:
        path = _file_of(pending.pop())
        if path is None or path in seen:
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                pending += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                pending += [alias.name for alias in node.names]
    return {path for path in seen if path.name != "__init__.py"}


def test_every_module_the_analysis_imports_is_in_the_cache_key() -> None:
    imported = _imported_checks_modules("loopwire.lint.worker")
    assert ROOT / "loopwire" / "suppression.py" in imported
    assert imported <= {path.resolve() for path in analysis_sources()}
