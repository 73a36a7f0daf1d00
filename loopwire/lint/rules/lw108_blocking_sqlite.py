"""LW108 blocking-sqlite: `sqlite3` I/O on the event loop."""

from __future__ import annotations

from loopwire.core.rule import Example, Expected, Fix, Rule, Safety
from loopwire.lint.rules.common import DIRECT_MESSAGE, Rewrite

RULE = Rule(
    code="LW108",
    slug="blocking-sqlite",
    summary="`sqlite3` I/O on the event loop.",
    message=DIRECT_MESSAGE,
    rationale=(
        "`sqlite3.connect` and the `execute*`, `commit` and `fetch*` methods of its "
        "connections and cursors do disk I/O and wait for locks. Creating a cursor is "
        "not I/O and is not reported."
    ),
    suggestion="aiosqlite",
    fix=Fix(Safety.UNSAFE, Rewrite.TO_THREAD),
    valid=(
        Example(
            """
            import aiosqlite

            async def count(db):
                async with aiosqlite.connect(db) as conn:
                    await conn.execute('select 1')
            """,
        ),
    ),
    invalid=(
        Example(
            """
            import sqlite3

            conn = sqlite3.connect('x.db')

            async def count():
                cur = conn.cursor()
                cur.execute('select 1')
            """,
            expected=(Expected(7, 5, "cur.execute"),),
            replacement="""
            import asyncio
            import sqlite3

            conn = sqlite3.connect('x.db')

            async def count():
                cur = conn.cursor()
                await asyncio.to_thread(cur.execute, 'select 1')
            """,
        ),
    ),
)
