"""LW104 blocking-file-io: one rule unit (description, message, examples).

A file is opened, read, written or copied synchronously on the event loop.
"""

from __future__ import annotations

from loopwire.core.rule import Example, Expected, Fix, Rule, Safety
from loopwire.lint.rules.common import DIRECT_MESSAGE, Rewrite

RULE = Rule(
    code="LW104",
    slug="blocking-file-io",
    summary="A file is opened, read, written or copied synchronously on the event loop.",
    message=DIRECT_MESSAGE,
    rationale=(
        "Disk I/O can take milliseconds to seconds (network file systems, cold caches); "
        "`open`, the methods of the file object it returns and `shutil` copies all "
        "block the loop for that long."
    ),
    suggestion="aiofiles, or asyncio.to_thread for the whole file operation",
    aliases=("ASYNC230", "ASYNC231", "ASYNC232"),
    fix=Fix(Safety.UNSAFE, Rewrite.TO_THREAD),
    valid=(
        Example(
            """
            import asyncio

            def load(path):
                with open(path) as fh:
                    return fh.read()

            async def main(path):
                return await asyncio.to_thread(load, path)
            """,
        ),
    ),
    invalid=(
        Example(
            """
            async def load(path):
                fh = await wrap(open(path))
            """,
            expected=(Expected(2, 21, "open"),),
        ),
        Example(
            """
            import shutil

            async def backup(a, b):
                shutil.copyfile(a, b)
            """,
            expected=(Expected(4, 5, "shutil.copyfile"),),
        ),
        Example(
            """
            async def load(path):
                return open(path).read()
            """,
            expected=(
                Expected(2, 12, "file.read"),
                Expected(2, 12, "open"),
            ),
            replacement="""
            import asyncio

            async def load(path):
                return await asyncio.to_thread((await asyncio.to_thread(open, path)).read)
            """,
        ),
        Example(
            """
            import shutil

            async def backup(a, b):
                shutil.copyfile(
                    a,
                    b,
                )
            """,
            expected=(Expected(4, 5, "shutil.copyfile"),),
            replacement="""
            import asyncio
            import shutil

            async def backup(a, b):
                await asyncio.to_thread(
                    shutil.copyfile,
                    a,
                    b,
                )
            """,
        ),
    ),
)
