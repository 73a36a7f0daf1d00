"""Name resolution the wiring check relies on to match constructions to classes."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from loopwire.core.source import ModuleNames
from loopwire.wiring.names import ImportTable


def table(source: str, module: str = "pkg.sub.mod", is_package: bool = False) -> ImportTable:
    imports = ImportTable(module, is_package=is_package)
    for statement in cst.parse_module(source).body:
        assert isinstance(statement, cst.SimpleStatementLine)
        small = statement.body[0]
        if isinstance(small, cst.Import):
            imports.add_import(small)
        elif isinstance(small, cst.ImportFrom):
            imports.add_import_from(small)
        elif isinstance(small, cst.Assign):
            target = small.targets[0].target
            assert isinstance(target, cst.Name)
            imports.add_alias(target.value, small.value)
    return imports


def resolve(imports: ImportTable, expression: str) -> str | None:
    return imports.resolve(cst.parse_expression(expression))


@pytest.mark.parametrize(
    ("source", "expression", "expected"),
    [
        ("from dataclasses import dataclass as dc", "dc", "dataclasses.dataclass"),
        ("import dataclasses", "dataclasses.field", "dataclasses.field"),
        ("import pydantic as pd", "pd.BaseModel", "pydantic.BaseModel"),
        ("import os.path", "os.path.join", "os.path.join"),
        ("from .schemas import Job", "Job", "pkg.sub.schemas.Job"),
        ("from ..api import schemas", "schemas.Job", "pkg.api.schemas.Job"),
        ("from . import schemas", "schemas.Job", "pkg.sub.schemas.Job"),
        ("from .schemas import Job\nResponse = Job", "Response", "pkg.sub.schemas.Job"),
        ("", "undefined.name", "undefined.name"),
        ("", "make().attr", None),
    ],
)
def test_resolve(source: str, expression: str, expected: str | None) -> None:
    assert resolve(table(source), expression) == expected


def test_relative_import_in_a_package_init_is_relative_to_the_package() -> None:
    imports = table("from .schemas import Job", module="pkg.sub", is_package=True)
    assert resolve(imports, "Job") == "pkg.sub.schemas.Job"


def test_module_name_climbs_packages(tmp_path: Path) -> None:
    package = tmp_path / "top" / "inner"
    package.mkdir(parents=True)
    for directory in (tmp_path / "top", package):
        (directory / "__init__.py").write_text("")
    (package / "mod.py").write_text("")
    (tmp_path / "script.py").write_text("")
    names = ModuleNames()
    assert names.of(package / "mod.py") == ("top.inner.mod", False)
    assert names.of(package / "__init__.py") == ("top.inner", True)
    assert names.of(tmp_path / "script.py") == ("script", False)
