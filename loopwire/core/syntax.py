"""Decoding, parsing and syntax-checking source the way CPython does.

Used to report a file that cannot be analysed with CPython's exact message and position, and to
check files the linter does not otherwise parse (they must still be valid Python). Syntax newer
than the running interpreter is not an error: such a file is lowered (``lowering``, with libcst,
only for files CPython refuses) and parsed as usual.
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings


def decode(source: bytes) -> str:
    """PEP 263: honour a coding cookie, default UTF-8; drop a BOM as Python does."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
    text = source.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def parse(text: str) -> ast.Module:
    """CPython's tree of ``text``, lowered first when its syntax is newer than this Python's;
    the original ``SyntaxError`` when it is not valid Python of any version."""
    with warnings.catch_warnings():
        # Invalid escape sequences and the like only warn; they are not ours to report.
        warnings.simplefilter("ignore")
        try:
            return ast.parse(text)
        except SyntaxError:
            lowered = newer_syntax(text)
            if lowered is None:
                raise
            return ast.parse(lowered)


def newer_syntax(text: str) -> str | None:
    """``text`` in this interpreter's grammar, when it fails only for being written for a newer
    Python (PEP 695 type parameters, PEP 758 ``except A, B``); None otherwise."""
    from loopwire.core.lowering import lower

    lowered = lower(text)
    if lowered is None:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(lowered, "<lowered>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return lowered


def problem(source: bytes) -> tuple[int, int, str] | None:
    """(line, column, message) of why CPython would refuse the source, or None if it compiles."""
    try:
        decode(source)
    except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
        return 1, 1, f"cannot decode the file: {exc}"
    return text_problem(source)


def text_problem(source: str | bytes) -> tuple[int, int, str] | None:
    """``problem`` for source already decoded (or bytes CPython decodes itself)."""
    try:
        with warnings.catch_warnings():
            # Invalid escape sequences and the like only warn; they are not ours to report.
            warnings.simplefilter("ignore")
            compile(source, "<source>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        text = source if isinstance(source, str) else decode(source)
        if newer_syntax(text) is not None:
            return None
        return exc.lineno or 1, exc.offset or 1, f"syntax error: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return 1, 1, f"cannot parse: {exc}"
    return None
