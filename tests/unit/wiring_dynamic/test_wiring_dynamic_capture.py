"""Capture from a real aiohttp app: JSON bodies, SSE events, the JSONL log of other processes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient

from loopwire.wiring.observed.capture import LOG_ENV, instrument, instrument_from_env, read_log
from loopwire.wiring.responses import Observation


def make_app() -> web.Application:
    async def job(request: web.Request) -> web.Response:
        return web.json_response({"id": request.match_info["id"], "progress": 0.5})

    async def events(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        for progress in (0.25, 0.75):
            await response.write(
                f"event: progress\ndata: {json.dumps({'p': progress})}\n\n".encode()
            )
        await response.write(b"event: end\ndata: not json\n\n")
        await response.write_eof()
        return response

    async def page(request: web.Request) -> web.Response:
        return web.Response(text="<html></html>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/jobs/{id}", job)
    app.router.add_get("/jobs/{id}/events", events)
    app.router.add_get("/", page)
    return app


async def exercise(client_factory: AiohttpClient, app: web.Application) -> None:
    client = await client_factory(app)
    assert (await client.get("/jobs/j1")).status == 200
    assert (await (await client.get("/jobs/j1/events")).text()).count("event:") == 3
    assert (await client.get("/")).status == 200
    assert (await client.get("/nowhere")).status == 404


async def test_instrument_records_json_and_sse_with_route_templates(
    aiohttp_client: AiohttpClient,
) -> None:
    seen: list[Observation] = []
    app = make_app()
    assert instrument(app, seen.append, lambda: "t")
    await exercise(aiohttp_client, app)
    assert [(o.key, o.status, o.body, o.event) for o in seen] == [
        ("GET /jobs/{id}", 200, {"id": "j1", "progress": 0.5}, None),
        ("GET /jobs/{id}/events", 200, {"p": 0.25}, "progress"),
        ("GET /jobs/{id}/events", 200, {"p": 0.75}, "progress"),
    ]
    assert all(o.scope.startswith("t#app") for o in seen)


async def test_frozen_app_is_refused_not_silently_skipped() -> None:
    app = make_app()
    app.freeze()
    assert not instrument(app, lambda observation: None)


async def test_log_from_environment_round_trips(
    aiohttp_client: AiohttpClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "wiring.jsonl"
    monkeypatch.setenv(LOG_ENV, str(log))
    app = make_app()
    assert instrument_from_env(app)
    await exercise(aiohttp_client, app)
    observed = await asyncio.to_thread(read_log, log)
    assert [(o.key, o.body) for o in observed] == [
        ("GET /jobs/{id}", {"id": "j1", "progress": 0.5}),
        ("GET /jobs/{id}/events", {"p": 0.25}),
        ("GET /jobs/{id}/events", {"p": 0.75}),
    ]


def test_without_the_environment_variable_nothing_is_instrumented(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(LOG_ENV, raising=False)
    assert not instrument_from_env(make_app())
