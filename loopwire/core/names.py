"""Dotted names of libcst expressions, for every guard that reads libcst trees (the wiring
check, the linter's fixer)."""

from __future__ import annotations

from typing import cast

import libcst as cst


def dotted(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of names and attributes, ``None`` for anything else."""
    # Exact type tests: this runs for every attribute in the project, and ``isinstance`` against
    # libcst's ABCs is several times slower (the parser builds no subclasses).
    kind = type(node)
    if kind is cst.Name:
        return cast(cst.Name, node).value
    if kind is cst.Attribute:
        attribute = cast(cst.Attribute, node)
        head = dotted(attribute.value)
        return None if head is None else f"{head}.{attribute.attr.value}"
    return None
