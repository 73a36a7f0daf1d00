"""Tests generated from the rule units: every example is one test, and the registry, the rules
page and the fixtures must name the same codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from checks.lint import catalog
from checks.lint.docs import render
from checks.lint.engine import lint_source
from checks.lint.rules import RULES, Example, Rule

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "lint"


def _cases(kind: str) -> list[tuple[Rule, Example]]:
    return [(rule, example) for rule in RULES for example in getattr(rule, kind)]


def _id(case: tuple[Rule, Example]) -> str:
    rule, example = case
    examples = rule.invalid if example in rule.invalid else rule.valid
    return f"{rule.code}-{rule.slug}-{examples.index(example)}"


@pytest.mark.parametrize("case", _cases("invalid"), ids=_id)
def test_invalid_example_is_reported(case: tuple[Rule, Example]) -> None:
    rule, example = case
    codes = [f.code for f in lint_source(example.code, example.blocking_calls)]
    assert rule.code in codes, example.code


@pytest.mark.parametrize("case", _cases("valid"), ids=_id)
def test_valid_example_is_clean(case: tuple[Rule, Example]) -> None:
    _, example = case
    assert lint_source(example.code, example.blocking_calls) == [], example.code


def test_every_rule_is_complete() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    for rule in RULES:
        assert re.fullmatch(r"LW1\d\d", rule.code)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)+", rule.slug)
        assert rule.summary
        assert rule.rationale
        assert rule.suggestion
        assert rule.valid
        assert rule.invalid
        assert all(re.fullmatch(r"ASYNC\d{3}", alias) for alias in rule.aliases)


def test_catalog_only_uses_registered_codes() -> None:
    used = {blocking.code for blocking in catalog.FUNCTIONS.values()}
    used |= {b.code for methods in catalog.METHODS.values() for b in methods.values()}
    assert used <= {rule.code for rule in RULES}


def test_registry_docs_and_fixtures_name_the_same_codes() -> None:
    registry = {rule.code for rule in RULES}
    docs = set(re.findall(r"^## (LW\d+) ", (ROOT / "docs" / "rules.md").read_text(), re.M))
    fixtures = {
        code
        for path in FIXTURES.glob("lint_*.py")
        for match in re.findall(r"# error: (.*)$", path.read_text(), re.M)
        for code in re.findall(r"LW\d+", match)
    }
    assert registry == docs == fixtures


def test_rules_page_is_up_to_date() -> None:
    committed = (ROOT / "docs" / "rules.md").read_text()
    assert committed == render(), "regenerate: python -m checks.lint.docs > docs/rules.md"
