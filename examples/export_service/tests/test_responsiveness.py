"""Out of process: while ``render`` runs, the server keeps answering its status polls."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
from loopwire.harness.fake_program import Behaviour, FakeProgram
from loopwire.harness.fixtures import PollFunction, ServiceFactory


async def test_status_answers_while_files_render(
    service_process: ServiceFactory,
    fake_program: Callable[..., FakeProgram],
    poll_schedule: PollFunction,
) -> None:
    fake_program("render", default=Behaviour(delay=1.0))
    # Waiting for the server to come up blocks: done in a thread, not on the test's loop.
    server = await asyncio.to_thread(service_process)
    async with (
        aiohttp.ClientSession() as session,
        session.post(server.url("/exports"), json={"files": ["a.png", "b.png", "c.png"]}) as r,
    ):
        job = await r.json()
    report = await poll_schedule(
        server.url(f"/exports/{job['id']}"),
        interval=0.05,
        pollers=4,
        max_duration=30,
        stop_when=lambda body: body["status"] == "done",
    )
    print(report.summary())
    verdict = report.verdict(
        max_latency=0.5, min_answered=10, counted=lambda body: body["status"] == "running"
    )
    assert verdict.passed, str(verdict)
