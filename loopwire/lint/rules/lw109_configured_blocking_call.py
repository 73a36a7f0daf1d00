"""LW109 configured-blocking-call: one rule unit (description, message, examples).

A call listed in `[tool.loopwire.blocking-calls]` on the event loop.
"""

from __future__ import annotations

from loopwire.core.rule import Example, Expected, Fix, Rule, Safety
from loopwire.lint.rules.common import DIRECT_MESSAGE, Rewrite

RULE = Rule(
    code="LW109",
    slug="configured-blocking-call",
    summary="A call listed in `[tool.loopwire.blocking-calls]` on the event loop.",
    message=DIRECT_MESSAGE,
    rationale=(
        "Projects know their own blocking APIs (a sync database driver, a vendored "
        "SDK). `[tool.loopwire.blocking-calls]` maps a qualified name or fnmatch "
        "pattern to the replacement to suggest."
    ),
    suggestion="the replacement configured for the call",
    fix=Fix(Safety.UNSAFE, Rewrite.TO_THREAD),
    valid=(
        Example(
            """
            import legacy

            def sync_path():
                legacy.fetch()
            """,
            config={"blocking-calls": {"legacy.fetch": "legacy.fetch_async"}},
        ),
    ),
    invalid=(
        Example(
            """
            import legacy

            async def handler():
                legacy.fetch()
            """,
            expected=(Expected(4, 5, "legacy.fetch"),),
            replacement="""
            import asyncio
            import legacy

            async def handler():
                await asyncio.to_thread(legacy.fetch)
            """,
            config={"blocking-calls": {"legacy.fetch": "legacy.fetch_async"}},
        ),
        Example(
            """
            from vendor.sdk import client

            async def handler():
                client.upload()
            """,
            expected=(Expected(4, 5, "client.upload"),),
            config={"blocking-calls": {"vendor.sdk.*": "vendor.aio"}},
        ),
    ),
)
