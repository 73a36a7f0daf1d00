"""``urlopen`` of a ``data:`` URL is decoded in memory: where the linter may and may not take a
name to hold one.

Each case is an ``async def`` calling ``urlopen`` on its last line. Taken as a data URL, the call
is not reported; every other case is the negative control of one way the check can be lost
(rebound, skipped, swallowed, a different prefix), and must stay reported.
"""

from __future__ import annotations

import textwrap

import pytest

from loopwire.lint.engine import lint_source

HEADER = "import contextlib\nfrom urllib.request import Request, urlopen\n\n"

DECODED = {
    "keyword url": """
        async def f(uri):
            if not uri.startswith("data:"):
                return None
            return urlopen(url=uri)
    """,
    "check in the else branch": """
        async def f(uri):
            if uri.startswith("data:"):
                pass
            else:
                raise ValueError(uri)
            return urlopen(uri)
    """,
    "negated check in an or": """
        async def f(uri):
            if not uri or not uri.startswith("data:"):
                return None
            return urlopen(uri)
    """,
    "continue in a loop": """
        async def f(uris):
            for uri in uris:
                if not uri.startswith("data:"):
                    continue
                urlopen(uri)
    """,
    "inside the with after the check": """
        async def f(uri):
            with contextlib.suppress(ValueError):
                if not uri.startswith("data:"):
                    raise ValueError(uri)
                urlopen(uri)
    """,
    "f-string literal": """
        async def f(text):
            return urlopen(f"data:text/plain,{text}")
    """,
    "negated conjunction": """
        async def f(uri):
            if not (uri and uri.startswith("data:")):
                return None
            return urlopen(uri)
    """,
}

REPORTED = {
    "walrus in the check": """
        async def f(uri, other):
            if uri.startswith("data:") and (uri := other):
                return urlopen(uri)
    """,
    "after a with that may swallow the raise": """
        async def f(uri):
            with contextlib.suppress(ValueError):
                if not uri.startswith("data:"):
                    raise ValueError(uri)
            urlopen(uri)
    """,
    "startswith from an offset": """
        async def f(uri):
            if uri.startswith("data:", 1):
                urlopen(uri)
    """,
    "one prefix of several": """
        async def f(uri):
            if uri.startswith(("data:", "http:")):
                urlopen(uri)
    """,
    "global name": """
        URI = "data:,x"

        async def f():
            global URI
            if URI.startswith("data:"):
                urlopen(URI)
    """,
    "rebound by a nested function": """
        async def f(uri):
            def reset():
                nonlocal uri
                uri = "http://example.org/"
            if not uri.startswith("data:"):
                return None
            reset()
            urlopen(uri)
    """,
    "rebound from itself": """
        async def f(uri):
            if not uri.startswith("data:"):
                return None
            uri = uri.strip()
            urlopen(uri)
    """,
    "check that may be skipped": """
        async def f(uri, strict):
            if strict and not uri.startswith("data:"):
                return None
            urlopen(uri)
    """,
    "wrapped in a Request": """
        async def f(uri):
            if uri.startswith("data:"):
                urlopen(Request(uri))
    """,
    "non-data literal": """
        async def f():
            urlopen("https://example.org/data:")
    """,
}


def _reported_lines(body: str) -> list[int]:
    source = HEADER + textwrap.dedent(body).strip() + "\n"
    return [f.line for f in lint_source(source) if f.code == "LW106"]


def _last_line(body: str) -> int:
    return len((HEADER + textwrap.dedent(body).strip()).splitlines())


@pytest.mark.parametrize("body", DECODED.values(), ids=DECODED.keys())
def test_a_data_url_is_not_reported(body: str) -> None:
    assert _reported_lines(body) == []


@pytest.mark.parametrize("body", REPORTED.values(), ids=REPORTED.keys())
def test_anything_else_stays_reported(body: str) -> None:
    assert _reported_lines(body) == [_last_line(body)]
