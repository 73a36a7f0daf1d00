"""A read served while a failed write reconnects storage still answers.

After a failed write the next write reopens the database and closes the old connection; a read
that was running on the old connection (``GET /jobs`` during a storage outage) then failed with
"Cannot operate on a closed database" or "Connection closed": a 500. Here a read takes a while
inside SQLite (a recursive count) and the reconnect closes its connection meanwhile; the read
must still answer. The negative control is the previous read, one attempt on whatever
connection it started on (a test subclass): it fails the same way.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from service.storage import Storage

# Long enough (tenths of a second) that the reconnect closes the connection while it runs.
SLOW_READ = (
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 3000000) "
    "SELECT count(*) FROM c"
)


class SingleAttemptStorage(Storage):
    """The previous reads: one attempt, on the connection the read started on."""

    async def _rows(self, query: str, parameters: Sequence[Any] = ()) -> list[Any]:
        async with self._db.execute(query, parameters) as cursor:
            return list(await cursor.fetchall())


async def read_during_reconnect(storage: Storage) -> list[Any]:
    read = asyncio.ensure_future(storage._rows(SLOW_READ))
    await asyncio.sleep(0.05)  # the read is inside SQLite now
    storage._problem = "a previous write failed"  # so the next write reconnects first
    assert await storage.check_writable()
    return await read


async def test_a_read_survives_a_reconnect_under_it(tmp_path: Path) -> None:
    storage = await Storage.open(tmp_path / "service.db")
    try:
        assert await read_during_reconnect(storage) == [(3000000,)]
    finally:
        await storage.close()


async def test_negative_control_a_single_attempt_read_fails(tmp_path: Path) -> None:
    storage = await SingleAttemptStorage.open(tmp_path / "service.db")
    try:
        with pytest.raises((ValueError, sqlite3.ProgrammingError)):
            await read_during_reconnect(storage)
    finally:
        await storage.close()
