"""The committed rules pages, generated from the rule units: ``python -m loopwire.pages`` writes
them, and a test fails when a committed page differs from what this renders."""

from __future__ import annotations

from pathlib import Path

from loopwire.core.docs import page
from loopwire.registry import lint_rules, wiring_rules

_LINT_INTRO = (
    "A call is *on the event loop* when its nearest enclosing function is an `async def`",
    "(comprehensions and class bodies run inline; nested `def` and `lambda` bodies do not;",
    "decorators and default values belong to the enclosing scope).",
    "Suppress a finding with `# noqa: CODE` (or the flake8-async code) on its line.",
    "`loopwire lint --fix` applies the safe fixes; `--unsafe-fixes` adds the unsafe ones,",
    "`--diff` shows them without writing. `loopwire explain CODE` shows every example.",
)
_WIRING_INTRO = (
    "`loopwire wiring [PATH ...]` checks the whole set of files at once: a field counts as set",
    "if any checked file sets it. Fields are judged on the classes the project builds and sends",
    "out of the process (the README says how it follows them, and what stays quiet).",
    "Suppress a finding with `# noqa: CODE` on its line.",
    "`loopwire explain CODE` shows every example.",
)


def pages() -> dict[str, str]:
    """Path below the repository root -> the page's text."""
    return {
        "docs/rules.md": page("loopwire lint rules", _LINT_INTRO, lint_rules()),
        "docs/wiring-rules.md": page("loopwire wiring rules", _WIRING_INTRO, wiring_rules()),
    }


def main(root: Path) -> None:
    for relative, text in pages().items():
        (root / relative).write_text(text)


if __name__ == "__main__":
    main(Path.cwd())
