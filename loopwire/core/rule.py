"""The one rule type of every guard: a rule describes itself, and its examples are its tests.

As in Fixit, a rule carries its code, slug, message template, rationale, suggestion, the
equivalent flake8-async / ruff codes, and valid and invalid examples kept beside it; an invalid
example states the findings it must produce (line, column, symbol) and, when the rule fixes,
the text the fix must produce. The tests (one per example), the rules pages and
``loopwire explain`` are generated from these units, so code, tests and docs cannot drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from textwrap import dedent


@dataclass(frozen=True, slots=True, order=True)
class Expected:
    """One finding an invalid example must produce (1-based line, 1-based column)."""

    line: int
    column: int
    symbol: str


@dataclass(frozen=True, slots=True)
class Example:
    # Written indented beside the rule; ``code`` is the text that is checked.
    source: str
    title: str = ""
    # The rule's findings on this source, in order: empty for a valid example.
    expected: tuple[Expected, ...] = ()
    # What the rule's fix makes of the source (equal to it: the fix leaves the call alone and
    # it stays reported); None when the example does not exercise the fix.
    replacement: str | None = None
    # The ``[tool.loopwire]`` table the example is checked with, as TOML would load it.
    config: Mapping[str, object] = field(default_factory=dict)

    @property
    def code(self) -> str:
        return dedent(self.source).lstrip("\n")

    @property
    def fixed(self) -> str | None:
        return None if self.replacement is None else dedent(self.replacement).lstrip("\n")


class Safety(Enum):
    """Safe fixes keep the program's meaning; unsafe ones (``--unsafe-fixes``, as in ruff) move
    the call to another thread, which changes what it may touch."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, slots=True)
class Fix:
    safety: Safety
    # One of the guard's rewrites (an Enum member whose value says what it does).
    rewrite: Enum


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    slug: str
    summary: str
    # ``str.format`` template of the finding's message; the guard fills in the fields.
    message: str
    rationale: str
    valid: tuple[Example, ...]
    invalid: tuple[Example, ...]
    # What to use instead; empty when the message itself says it.
    suggestion: str = ""
    # Codes of flake8-async / ruff rules that report the same thing (a noqa naming one works).
    aliases: tuple[str, ...] = ()
    # None: no automatic fix.
    fix: Fix | None = None

    def names(self) -> tuple[str, ...]:
        """Everything ``loopwire explain`` accepts for this rule."""
        return (self.code, self.slug, *self.aliases)
