"""Decoding and syntax-checking source the way CPython does, without libcst.

Used to report a file that cannot be analysed with CPython's exact message and position, and to
check files the linter does not otherwise parse (they must still be valid Python).
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
        return exc.lineno or 1, exc.offset or 1, f"syntax error: {exc.msg}"
    except (ValueError, RecursionError, MemoryError) as exc:
        return 1, 1, f"cannot parse: {exc}"
    return None
