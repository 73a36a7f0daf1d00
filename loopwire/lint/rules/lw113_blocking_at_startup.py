"""LW113 blocking-at-startup: one rule unit (description, message, examples).

A function declared in ``[tool.loopwire] startup`` blocks the event loop; off by default.
"""

from __future__ import annotations

from loopwire.core.rule import Example, Expected, Fix, Rule, Safety
from loopwire.lint.rules.common import Rewrite

_CONFIG = {"startup": ["example.Server.start", "example.*.close"]}

RULE = Rule(
    code="LW113",
    slug="blocking-at-startup",
    summary=(
        "A function that runs once, at start-up or shutdown, blocks the event loop "
        "(off by default)."
    ),
    message=(
        "{function} runs once, at start-up or shutdown, and blocks the event loop there: "
        "{chain} ({code})"
    ),
    rationale=(
        "Loading persisted state, binding a Unix socket or reading certificates once before "
        "serving blocks the loop while nothing else runs yet; most projects accept that. "
        "Name such functions (qualified names or fnmatch patterns) in `[tool.loopwire] "
        "startup`, as ruff and flake8 users name per-file ignores: what blocks in them, "
        "directly or through helpers, is then reported under this code instead of "
        "LW101-LW112, and not at all unless selected (`--select LW113`). A helper they share "
        "with request handlers is still reported from the handlers."
    ),
    suggestion="keep it, or move the work to asyncio.to_thread if start-up time matters",
    fix=Fix(Safety.UNSAFE, Rewrite.TO_THREAD),
    valid=(
        Example(
            """
            import os

            class Server:
                async def handle(self, path):
                    os.stat(path)
            """,
            title="A request handler is no start-up function: this is LW105.",
            config=_CONFIG,
        ),
    ),
    invalid=(
        Example(
            """
            import os

            def load(path):
                return os.stat(path)

            class Server:
                async def start(self, path):
                    os.stat(path)
                    load(path)

            class Pool:
                async def close(self, path):
                    os.unlink(path)
            """,
            title="Reported with --select LW113; the fix moves each call to a thread.",
            expected=(
                Expected(8, 9, "os.stat"),
                Expected(9, 9, "load"),
                Expected(13, 9, "os.unlink"),
            ),
            replacement="""
            import asyncio
            import os

            def load(path):
                return os.stat(path)

            class Server:
                async def start(self, path):
                    await asyncio.to_thread(os.stat, path)
                    await asyncio.to_thread(load, path)

            class Pool:
                async def close(self, path):
                    await asyncio.to_thread(os.unlink, path)
            """,
            config=_CONFIG,
        ),
    ),
)
