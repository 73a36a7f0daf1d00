"""Tests generated from the fix examples the rule units declare: one test per example.

Each example's fixed output must equal the declared text, compile, lint clean of the fixed
findings (an example whose text does not change keeps its findings), and fixing again must
change nothing.
"""

from __future__ import annotations

from collections import Counter

import pytest

from checks.lint.engine import lint_source
from checks.lint.fixes import fix_source
from checks.lint.rules import RULES, FixExample, Rule, Safety


def _cases() -> list[tuple[Rule, FixExample]]:
    return [(rule, example) for rule in RULES if rule.fix for example in rule.fix.examples]


def _id(case: tuple[Rule, FixExample]) -> str:
    rule, example = case
    assert rule.fix is not None
    return f"{rule.code}-{rule.slug}-fix-{rule.fix.examples.index(example)}"


def _unsafe(rule: Rule) -> bool:
    return rule.fix is not None and rule.fix.safety is Safety.UNSAFE


@pytest.mark.parametrize("case", _cases(), ids=_id)
def test_fix_example(case: tuple[Rule, FixExample]) -> None:
    rule, example = case
    findings = lint_source(example.before, example.blocking_calls)
    assert rule.code in {f.code for f in findings}, "the example must show a finding"

    result = fix_source(example.before, findings, unsafe=_unsafe(rule))

    assert result.problem is None
    assert result.source == example.after
    compile(result.source, "<after>", "exec", dont_inherit=True)
    remaining = lint_source(result.source, example.blocking_calls)
    unfixed = Counter(f.code for f in findings) - Counter(f.code for f in result.fixed)
    assert Counter(f.code for f in remaining) == unfixed
    again = fix_source(result.source, remaining, unsafe=True)
    assert (again.source, again.fixed) == (result.source, ())


def test_every_rule_declares_a_fix_with_a_changing_example() -> None:
    for rule in RULES:
        assert rule.fix is not None, rule.code
        assert any(e.after != e.before for e in rule.fix.examples), rule.code


def test_safe_fixes_need_no_flag_and_unsafe_ones_do() -> None:
    for rule, example in _cases():
        findings = lint_source(example.before, example.blocking_calls)
        safe_only = fix_source(example.before, findings, unsafe=False)
        if _unsafe(rule):
            assert rule.code not in {f.code for f in safe_only.fixed}
        else:
            assert safe_only.source == example.after
