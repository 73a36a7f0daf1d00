"""Every example in the LW2xx rule units is a test: valid ones are clean, invalid ones report
exactly their listed symbols. One parametrized case per example, named after it."""

from __future__ import annotations

import re
from pathlib import Path
from textwrap import dedent

import pytest

from checks.findings import Finding
from checks.wiring.analysis import SourceFile, analyse
from checks.wiring.docs import render
from checks.wiring.rules import RULES, Example, WiringRule

ROOT = Path(__file__).resolve().parents[3]


def run_example(rule: WiringRule, example: Example) -> list[Finding]:
    source = SourceFile("example.py", "example", dedent(example.source).lstrip())
    return [f for f in analyse([source], example.settings) if f.code == rule.code]


def cases(kind: str) -> list[object]:
    return [
        pytest.param(rule, example, id=f"{rule.code}-{example.title}")
        for rule in RULES.values()
        for example in getattr(rule, kind)
    ]


@pytest.mark.parametrize(("rule", "example"), cases("valid"))
def test_valid_example_is_clean(rule: WiringRule, example: Example) -> None:
    assert example.symbols == ()
    assert run_example(rule, example) == []


@pytest.mark.parametrize(("rule", "example"), cases("invalid"))
def test_invalid_example_reports_its_symbols(rule: WiringRule, example: Example) -> None:
    findings = run_example(rule, example)
    assert sorted(str(f.symbol) for f in findings) == sorted(example.symbols)
    for finding in findings:
        assert finding.message == rule.message.format(
            symbol=finding.symbol, construction=finding.message.partition(" builds ")[0]
        )


def test_every_rule_has_examples_both_ways() -> None:
    for rule in RULES.values():
        assert rule.valid, rule.code
        assert rule.invalid, rule.code
        assert rule.code.startswith("LW2")


def test_field_never_set_message_has_the_agreed_shape() -> None:
    assert RULES["LW201"].message.format(symbol="JobStatusResponse.progress") == (
        "JobStatusResponse.progress is declared but never set; "
        "every response will carry its default"
    )


def test_rule_registry_satisfies_rule_info() -> None:
    for code, rule in RULES.items():
        assert code == rule.code
        assert rule.slug == rule.slug.lower()
        assert " " not in rule.slug
        assert rule.summary
        assert rule.rationale


def test_rules_page_is_generated_from_the_rule_units() -> None:
    committed = (ROOT / "docs" / "wiring-rules.md").read_text()
    assert committed == render(), "regenerate: python -m checks.wiring.docs > docs/wiring-rules.md"
    documented = set(re.findall(r"^## (LW\d+) ", committed, re.M))
    assert documented == set(RULES)
