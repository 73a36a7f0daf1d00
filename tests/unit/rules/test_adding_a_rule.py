"""Adding a rule is adding one module: a new ``lwNNN_slug.py`` defining ``RULE`` in a rules
package is registered, rendered on the page and turned into tests without touching anything else.
Shown on a throwaway package so the real guards keep their rules."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from loopwire.core.docs import page
from loopwire.core.registry import collect

RULE_MODULE = """
from loopwire.core.rule import Example, Expected, Rule

RULE = Rule(
    code="LW299",
    slug="demo-rule",
    summary="A demonstration rule",
    message="{symbol} is a demonstration",
    rationale="Shows that one module is the whole rule.",
    valid=(Example("x = 1\\n", title="nothing to see"),),
    invalid=(Example("demo()\\n", title="a call", expected=(Expected(1, 1, "demo"),)),),
)
"""


@pytest.fixture
def rules_package(tmp_path: Path) -> Iterator[str]:
    package = tmp_path / "demo_rules"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "lw299_demo_rule.py").write_text(RULE_MODULE)
    (package / "helpers.py").write_text("VALUE = 1\n")  # not a rule: no RULE
    sys.path.insert(0, str(tmp_path))
    try:
        yield "demo_rules"
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith("demo_rules")]:
            del sys.modules[name]


def test_a_new_rule_module_is_registered_and_documented(rules_package: str) -> None:
    rules = collect(importlib.import_module(rules_package))
    assert [rule.code for rule in rules] == ["LW299"]
    text = page("demo rules", ["intro"], rules)
    assert "| LW299 | demo-rule | - | - | A demonstration rule |" in text
    assert "## LW299 demo-rule" in text
    assert "Reported: a call (demo)" in text


def test_two_rules_with_one_code_are_refused(rules_package: str, tmp_path: Path) -> None:
    (tmp_path / rules_package / "lw299_again.py").write_text(RULE_MODULE)
    with pytest.raises(RuntimeError, match="two rules share a code"):
        collect(importlib.import_module(rules_package))
