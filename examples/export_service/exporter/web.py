"""The HTTP side both variants share: routes, job table, JSON answers, the launcher."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import itertools
import socket
from collections.abc import Callable, Coroutine
from typing import Any

from aiohttp import web

from exporter.schemas import ExportJob

Runner = Callable[[ExportJob], Coroutine[Any, Any, None]]
JOBS = web.AppKey("jobs", dict[str, ExportJob])
TASKS = web.AppKey("tasks", set[asyncio.Task[None]])


def create_app(run_job: Runner) -> web.Application:
    """The app; ``run_job`` renders one job's files (each variant brings its own)."""
    numbers = itertools.count(1)

    async def start(request: web.Request) -> web.Response:
        body = await request.json()
        job = ExportJob(id=str(next(numbers)), status="running", files=list(body["files"]))
        request.app[JOBS][job.id] = job
        task = asyncio.create_task(run_job(job))
        request.app[TASKS].add(task)
        task.add_done_callback(request.app[TASKS].discard)
        return web.json_response(dataclasses.asdict(job), status=202)

    async def status(request: web.Request) -> web.Response:
        job = request.app[JOBS].get(request.match_info["id"])
        if job is None:
            raise web.HTTPNotFound()
        return web.json_response(dataclasses.asdict(job))

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app[JOBS] = {}
    app[TASKS] = set()
    app.add_routes(
        [
            web.post("/exports", start),
            web.get("/exports/{id}", status),
            web.get("/health", health),
        ]
    )
    return app


def serve(app: web.Application) -> None:
    """``python -m exporter.good --port N`` (0: a free one, announced on stdout)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8080)
    options = parser.parse_args()
    sock = socket.create_server(("127.0.0.1", options.port))
    print(f"exporter listening on http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    web.run_app(app, sock=sock, print=None)
