"""The registry, the rules pages and the fixtures name the same rules, and every rule is a
complete unit: ``python -m loopwire.pages`` regenerates the pages."""

from __future__ import annotations

import re
from pathlib import Path

from loopwire.lint import catalog
from loopwire.pages import pages
from loopwire.registry import all_rules, find, lint_rules, wiring_rules

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures"


def test_every_rule_is_complete() -> None:
    codes = [rule.code for rule in all_rules()]
    assert len(codes) == len(set(codes))
    for rule in all_rules():
        assert re.fullmatch(r"LW[12]\d\d", rule.code)
        assert re.fullmatch(r"[a-z]+(-[a-z]+)+", rule.slug)
        assert rule.summary
        assert rule.rationale
        assert rule.message
        assert rule.valid, rule.code
        assert rule.invalid, rule.code
        assert all(example.expected for example in rule.invalid), rule.code
        assert all(re.fullmatch(r"ASYNC\d{3}", alias) for alias in rule.aliases)
        assert find(rule.code) is find(rule.slug) is rule


def test_every_lint_rule_fixes_and_shows_a_changing_fix() -> None:
    for rule in lint_rules():
        assert rule.suggestion, rule.code
        assert rule.fix is not None, rule.code
        assert any(e.fixed not in (None, e.code) for e in rule.invalid), rule.code


def test_catalog_only_uses_registered_codes() -> None:
    used = {blocking.code for blocking in catalog.FUNCTIONS.values()}
    used |= {b.code for methods in catalog.METHODS.values() for b in methods.values()}
    assert used <= {rule.code for rule in lint_rules()}


def _documented(relative: str) -> set[str]:
    return set(re.findall(r"^## (LW\d+) ", (ROOT / relative).read_text(), re.M))


def test_registry_docs_and_fixtures_name_the_same_codes() -> None:
    lint = {rule.code for rule in lint_rules()}
    in_fixtures = {
        code
        for path in (FIXTURES / "lint").glob("lint_*.py")
        for match in re.findall(r"# error: (.*)$", path.read_text(), re.M)
        for code in re.findall(r"LW\d+", match)
    }
    assert lint == _documented("docs/rules.md") == in_fixtures
    wiring = {rule.code for rule in wiring_rules()}
    assert wiring == _documented("docs/wiring-rules.md")


def test_rules_pages_are_up_to_date() -> None:
    for relative, text in pages().items():
        assert (ROOT / relative).read_text() == text, (
            f"regenerate: python -m loopwire.pages ({relative})"
        )


def test_unknown_name_finds_no_rule() -> None:
    assert find("LW999") is None
    assert find("ASYNC221") is find("blocking-subprocess")
