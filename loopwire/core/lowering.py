"""Rewrite syntax newer than the running interpreter into older equivalents, so ``ast`` parses it.

The linter parses with CPython's ``ast`` (fast), which knows only the running interpreter's
grammar: on Python 3.11 a project written for 3.12+ fails at ``def f[T]()`` or ``type X = ...``
(PEP 695), and one written for 3.14 at ``except A, B:`` (PEP 758). Such a file is not a syntax
error, and it must not drop out of every chain. libcst parses every grammar from 3.0 to 3.14
on any interpreter, so a file ``ast`` refuses is parsed again with libcst, and the few newer
constructs are lowered by editing the text in place:

- type parameter lists (``[T: int = str]`` after a function or class name) become blanks;
- a type alias ``type X[T] = v`` becomes ``X = v``, the ``=`` and the value where they were;
- ``except A, B:`` gets its parentheses, ``except (A, B):``.

None of these holds a call the linter reports on, and every edit keeps line numbers (a list
spread over lines is continued with backslashes), and the columns of everything outside the
edited span. Only files ``ast`` refuses get here, so the cost of libcst is paid rarely.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Line breaks as CPython's tokenizer (and libcst's positions) count them.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# (start offset, end offset, replacement) on the original text.
Edit = tuple[int, int, str]


def lower(text: str) -> str | None:
    """``text`` with its newer-than-3.11 constructs lowered; None when libcst cannot parse it
    either (a real syntax error) or when nothing in it is a construct this module lowers."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        module = cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    starts = [0, *(match.end() for match in _LINE_BREAK.finditer(text))]

    def offset(position: cst.metadata.CodePosition) -> int:
        return starts[position.line - 1] + position.column

    edits: list[Edit] = []

    class Collect(cst.CSTVisitor):
        def visit_TypeParameters(self, node: cst.TypeParameters) -> None:
            span = positions[node]
            edits.append(_blank(text, offset(span.start), offset(span.end)))

        def visit_TypeAlias(self, node: cst.TypeAlias) -> bool:
            start = offset(positions[node].start)
            after = node.type_parameters if node.type_parameters is not None else node.name
            equals = text.index("=", offset(positions[after].end))
            edits.append(_alias(text, start, equals, node.name.value))
            return False  # its type parameters are part of the span just replaced

        def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
            _parenthesise(node.type)

        def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
            _parenthesise(node.type)

    def _parenthesise(kind: cst.BaseExpression | None) -> None:
        if isinstance(kind, cst.Tuple) and not kind.lpar:
            span = positions[kind]
            edits.append((offset(span.start), offset(span.start), "("))
            edits.append((offset(span.end), offset(span.end), ")"))

    wrapper.visit(Collect())
    return _apply(text, edits) if edits else None


def _blank(text: str, start: int, end: int) -> Edit:
    """Spaces for the span's characters; a line break in it is continued with a backslash."""
    piece = text[start:end]
    blanked = _LINE_BREAK.sub(lambda match: "\\" + match.group(), re.sub(r"[^\r\n]", " ", piece))
    return start, end, blanked


def _alias(text: str, start: int, equals: int, name: str) -> Edit:
    """``type X[T] = v`` -> ``X       = v``: the ``=`` and the value stay where they were."""
    head = text[start:equals]
    breaks = _LINE_BREAK.findall(head)
    if not breaks:
        return start, equals, name.ljust(len(head))
    # Spread over lines: keep the line count with continuations after the name.
    last = head[head.rfind(breaks[-1]) + len(breaks[-1]) :]
    return start, equals, name + "".join(" \\" + b for b in breaks) + " " * len(last)


def _apply(text: str, edits: Sequence[Edit]) -> str:
    parts: list[str] = []
    at = 0
    for start, end, replacement in sorted(edits, key=lambda edit: (edit[0], edit[1])):
        parts += [text[at:start], replacement]
        at = end
    parts.append(text[at:])
    return "".join(parts)
