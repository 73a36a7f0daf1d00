"""The pre-commit hook definitions point at commands that exist and the repo uses its own hook."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from loopwire.cli import build_parser

ROOT = Path(__file__).resolve().parents[3]


def _field(text: str, name: str) -> list[str]:
    return re.findall(rf"^\s*-?\s*{name}: (.+)$", text, re.M)


def test_published_hook_runs_loopwire_lint() -> None:
    text = (ROOT / ".pre-commit-hooks.yaml").read_text()
    assert _field(text, "id") == ["loopwire-lint"]
    assert _field(text, "language") == ["python"]
    (entry,) = _field(text, "entry")
    command = shlex.split(entry)
    assert command[0] == "loopwire"
    parser, _ = build_parser(command[1:])
    assert parser.parse_args(command[1:]).command == "lint"


def test_repository_uses_its_own_hook() -> None:
    text = (ROOT / ".pre-commit-config.yaml").read_text()
    assert _field(text, "repo") == ["local"]
    assert _field(text, "id") == ["loopwire-lint", "loopwire-gates"]
    lint_entry, gates_entry = _field(text, "entry")
    assert shlex.split(gates_entry) == ["python3", "-m", "nox", "-s", "gates"]
    command = shlex.split(lint_entry)
    assert command[:3] == ["python", "-m", "loopwire"]
    parser, _ = build_parser(command[3:])
    args = parser.parse_args(command[3:])
    assert (args.command, [str(p) for p in args.paths]) == (
        "lint",
        ["service", "loopwire", "bench"],
    )
