"""LW103 blocking-input: `input()` on the event loop."""

from __future__ import annotations

from loopwire.core.rule import Example, Expected, Fix, Rule, Safety
from loopwire.lint.rules.common import DIRECT_MESSAGE, Rewrite

RULE = Rule(
    code="LW103",
    slug="blocking-input",
    summary="`input()` on the event loop.",
    message=DIRECT_MESSAGE,
    rationale="`input()` waits for a line on stdin and blocks the loop until one arrives.",
    suggestion="await asyncio.to_thread(input, prompt)",
    aliases=("ASYNC250",),
    fix=Fix(Safety.UNSAFE, Rewrite.TO_THREAD),
    valid=(
        Example(
            """
            import asyncio

            async def ask():
                return await asyncio.to_thread(input, '?')
            """,
        ),
    ),
    invalid=(
        Example(
            """
            async def ask():
                return input('? ')
            """,
            expected=(Expected(2, 12, "input"),),
            replacement="""
            import asyncio

            async def ask():
                return await asyncio.to_thread(input, '? ')
            """,
        ),
    ),
)
