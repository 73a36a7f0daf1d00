"""The finding type every guard reports, and the rule description every guard's rules share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

# Reported for a file that could not be analysed (syntax error, undecodable bytes, unreadable).
UNANALYSABLE = "LW001"


@dataclass(frozen=True, slots=True, order=True)
class Finding:
    path: str
    line: int
    column: int
    code: str
    message: str
    # Wiring findings name what they are about, e.g. "JobStatusResponse.progress".
    symbol: str | None = field(default=None, compare=False)
    # A transitive lint finding: the qualified names from the async caller, through each sync
    # helper, to the blocking call.
    chain: tuple[str, ...] = field(default=(), compare=False)
    # False when no automatic fix may touch the call: moving a call of a generator function or
    # a context-manager factory to a thread would only build the lazy object there.
    fixable: bool = field(default=True, compare=False)

    @property
    def helper(self) -> str | None:
        """The function at the end of a chain that makes the blocking call itself."""
        return self.chain[-2] if len(self.chain) >= 2 else None

    def as_json(self) -> dict[str, object]:
        item: dict[str, object] = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
        }
        if self.symbol is not None:
            item["symbol"] = self.symbol
        if self.chain:
            item["chain"] = list(self.chain)
        return item


class RuleInfo(Protocol):
    """What output formats (SARIF) and ``loopwire rules`` need to know of a rule."""

    @property
    def code(self) -> str: ...

    @property
    def slug(self) -> str: ...

    @property
    def summary(self) -> str: ...

    @property
    def rationale(self) -> str: ...
