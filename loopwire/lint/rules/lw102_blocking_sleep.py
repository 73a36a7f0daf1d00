"""LW102 blocking-sleep: `time.sleep` on the event loop."""

from __future__ import annotations

from loopwire.core.rule import Example, Expected, Fix, Rule, Safety
from loopwire.lint.rules.common import DIRECT_MESSAGE, Rewrite

RULE = Rule(
    code="LW102",
    slug="blocking-sleep",
    summary="`time.sleep` on the event loop.",
    message=DIRECT_MESSAGE,
    rationale=("`time.sleep` suspends the whole thread, so no other task runs while it sleeps."),
    suggestion="await asyncio.sleep(...)",
    aliases=("ASYNC251",),
    fix=Fix(Safety.SAFE, Rewrite.ASYNC_SLEEP),
    valid=(
        Example(
            """
            import asyncio

            async def tick():
                await asyncio.sleep(1)
            """,
        ),
        Example(
            """
            from time import sleep

            async def tick():
                def sleep(s): return s
                sleep(1)
            """,
        ),
        Example(
            """
            import time

            async def tick():
                def later():
                    time.sleep(1)
                return later
            """,
        ),
    ),
    invalid=(
        Example(
            """
            import time

            async def tick():
                time.sleep(1)
            """,
            expected=(Expected(4, 5, "time.sleep"),),
        ),
        Example(
            """
            from time import sleep as nap

            async def tick():
                nap(1)
            """,
            expected=(Expected(4, 5, "nap"),),
        ),
        Example(
            '''
            """Ticks."""

            from __future__ import annotations

            import time

            async def tick():
                time.sleep(1)
            ''',
            expected=(Expected(8, 5, "time.sleep"),),
            replacement='''
            """Ticks."""

            from __future__ import annotations

            import asyncio

            async def tick():
                await asyncio.sleep(1)
            ''',
        ),
        Example(
            """
            import asyncio
            import time
            from time import sleep as nap

            async def tick():
                nap(0.5)
                return time.monotonic()
            """,
            expected=(Expected(6, 5, "nap"),),
            replacement="""
            import asyncio
            import time

            async def tick():
                await asyncio.sleep(0.5)
                return time.monotonic()
            """,
        ),
        Example(
            """
            import time

            async def ticks(n):
                return list(time.sleep(i) for i in range(n))
            """,
            expected=(Expected(4, 17, "time.sleep"),),
            replacement="""
            import time

            async def ticks(n):
                return list(time.sleep(i) for i in range(n))
            """,
        ),
    ),
)
