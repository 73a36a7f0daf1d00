"""In-process test; the dynamic wiring check (``loopwire_wiring = true``) judges its responses."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from types import ModuleType
from typing import Any

from loopwire.harness.fake_program import Behaviour, FakeProgram

FILES = ["a.png", "b.png", "c.png", "d.png", "e.png"]


async def test_an_export_runs_to_the_end(
    aiohttp_client: Callable[..., Any],
    fake_program: Callable[..., FakeProgram],
    app_module: ModuleType,
) -> None:
    render = fake_program("render", default=Behaviour(delay=0.2))
    client = await aiohttp_client(app_module.create_app())
    response = await client.post("/exports", json={"files": FILES})
    assert response.status == 202
    job = await response.json()
    while job["status"] != "done":
        await asyncio.sleep(0.05)
        job = await (await client.get(f"/exports/{job['id']}")).json()
    assert [run.path for run in render.invocations()] == FILES
