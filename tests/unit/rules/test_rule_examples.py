"""Tests generated from the rule units of both guards: one test per example of every rule.

A valid example yields none of its rule's findings; an invalid one yields exactly the findings it
states (line, column, symbol), with the message the rule's template makes; an invalid example
with a replacement is fixed to exactly that text, which compiles, keeps only the findings the
fix left alone, and is not changed by fixing again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from pathlib import Path

import pytest

from loopwire.config import Config
from loopwire.core.rule import Example, Expected, Rule, Safety
from loopwire.core.source import SourceFile
from loopwire.findings import Finding
from loopwire.lint.engine import lint_source
from loopwire.lint.fixes import fix_source
from loopwire.registry import all_rules
from loopwire.wiring.analysis import analyse
from loopwire.wiring.settings import WiringSettings


def _blocking_calls(example: Example) -> Mapping[str, str]:
    calls = example.config.get("blocking-calls", {})
    assert isinstance(calls, Mapping)
    return calls


def _lint(example: Example, source: str) -> list[Finding]:
    """Lint ``source`` with the example's ``[tool.loopwire]`` (blocking calls, offloading
    decorators, start-up functions)."""
    offload = example.config.get("offload-decorators", [])
    startup = example.config.get("startup", [])
    assert isinstance(offload, list)
    assert isinstance(startup, list)
    return lint_source(
        source,
        _blocking_calls(example),
        offload=[str(item) for item in offload],
        startup=[str(item) for item in startup],
    )


def findings_of(rule: Rule, example: Example) -> list[Finding]:
    """Every finding of the example's source, checked by the guard the rule belongs to."""
    if rule.code.startswith("LW2"):
        settings = WiringSettings.from_config(Config(Path("."), example.config))
        return analyse([SourceFile.of_text("example.py", "example", example.code)], settings)
    return _lint(example, example.code)


def _cases(kind: str) -> list[object]:
    return [
        pytest.param(rule, example, id=f"{rule.code}-{rule.slug}-{kind}-{index}")
        for rule in all_rules()
        for index, example in enumerate(getattr(rule, kind))
    ]


@pytest.mark.parametrize(("rule", "example"), _cases("valid"))
def test_valid_example_is_clean(rule: Rule, example: Example) -> None:
    assert example.expected == ()
    assert example.replacement is None
    assert [f for f in findings_of(rule, example) if f.code == rule.code] == [], example.code


@pytest.mark.parametrize(("rule", "example"), _cases("invalid"))
def test_invalid_example_reports_what_it_states(rule: Rule, example: Example) -> None:
    mine = [f for f in findings_of(rule, example) if f.code == rule.code]
    found = sorted(Expected(f.line, f.column, str(f.symbol)) for f in mine)
    assert found == sorted(example.expected), example.code
    for finding in mine:
        # Every field a template names comes from the finding; the symbol is always one.
        assert str(finding.symbol) in finding.message
        assert finding.message.startswith(rule.message.partition("{")[0])
    if example.fixed is not None:
        _check_fix(rule, example, findings_of(rule, example))


def _check_fix(rule: Rule, example: Example, findings: list[Finding]) -> None:
    assert rule.fix is not None
    unsafe = rule.fix.safety is Safety.UNSAFE
    result = fix_source(example.code, findings, unsafe=unsafe)
    assert result.problem is None
    assert result.source == example.fixed
    compile(result.source, "<after>", "exec", dont_inherit=True)
    remaining = _lint(example, result.source)
    unfixed = Counter(f.code for f in findings) - Counter(f.code for f in result.fixed)
    assert Counter(f.code for f in remaining) == unfixed
    again = fix_source(result.source, remaining, unsafe=True)
    assert (again.source, again.fixed) == (result.source, ())
    safe_only = fix_source(example.code, findings, unsafe=False)
    if unsafe:
        assert rule.code not in {f.code for f in safe_only.fixed}
    else:
        assert safe_only.source == example.fixed
