"""Source text of a tiny job service that the pytester runs start; its bug is switchable.

Kept as text (written into each pytester directory) so the inner pytest run imports nothing from
this repository except the installed loopwire plugin, exactly as a user's project would.
"""

from __future__ import annotations

SCHEMAS = """
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Item:
    name: str
    size: int | None = None


@dataclass
class Result:
    items: list[Item] = field(default_factory=list)


@dataclass
class Job:
    id: str
    status: str
    progress: float | None = None
    result: Result | None = None
"""

# MODE: "fixed" sets progress after every step; "never" forgets to (the production bug);
# "backwards" reports a smaller value after a larger one; "sse" sends progress only as events;
# "stuck" reports 0 until the job is done; "halfway" reports only the half-way mark.
APP = """
from __future__ import annotations

import dataclasses
import json

from aiohttp import web

from demo_schemas import Item, Job, Result

MODE = {mode!r}
STEPS = 5


def make_app() -> web.Application:
    jobs: dict[str, Job] = {{}}
    steps: dict[str, int] = {{}}

    def advance(job: Job) -> None:
        steps[job.id] += 1
        step = steps[job.id]
        if MODE in ("fixed", "sse"):
            job.progress = min(step, STEPS) / STEPS
        elif MODE == "backwards":
            job.progress = [0.0, 0.5, 0.25, 0.75, 1.0][min(step, STEPS) - 1]
        elif MODE == "stuck":
            job.progress = 1.0 if step >= STEPS else 0.0
        elif MODE == "halfway":
            job.progress = [0.0, 0.0, 0.5, 0.5, 1.0][min(step, STEPS) - 1]
        if step >= STEPS:
            job.status = "completed"
            job.result = Result(items=[Item("a.mp4", 10), Item("b.mp4", 20)])

    async def start(request: web.Request) -> web.Response:
        job = Job(id=str(len(jobs) + 1), status="running")
        jobs[job.id] = job
        steps[job.id] = 0
        return web.json_response(dataclasses.asdict(job), status=202)

    async def status(request: web.Request) -> web.Response:
        job = jobs[request.match_info["id"]]
        if MODE != "sse":
            advance(job)
        return web.json_response(dataclasses.asdict(job))

    async def events(request: web.Request) -> web.StreamResponse:
        job = jobs[request.match_info["id"]]
        response = web.StreamResponse(headers={{"Content-Type": "text/event-stream"}})
        await response.prepare(request)
        while job.status != "completed":
            advance(job)
            name = "end" if job.status == "completed" else "progress"
            data = json.dumps(dataclasses.asdict(job))
            # Split one event over two writes: the recorder must reassemble it.
            await response.write(f"event: {{name}}\\ndata: {{data[:10]}}".encode())
            await response.write(f"{{data[10:]}}\\n\\n".encode())
        await response.write_eof()
        return response

    async def missing(request: web.Request) -> web.Response:
        error = {{"code": "job_not_found", "message": "no such job"}}
        return web.json_response({{"error": error}}, status=404)

    app = web.Application()
    app.router.add_post("/jobs", start)
    app.router.add_get("/jobs/{{id}}", status)
    app.router.add_get("/jobs/{{id}}/events", events)
    app.router.add_get("/missing", missing)
    return app
"""

TEST = """
from __future__ import annotations

import pytest

from demo_app import make_app


{marker}
async def test_job_runs(aiohttp_client) -> None:
    client = await aiohttp_client(make_app())
    created = await (await client.post("/jobs")).json()
    if {use_sse}:
        stream = await client.get(f"/jobs/{{created['id']}}/events")
        await stream.text()
    else:
        for _ in range(5):
            assert (await client.get(f"/jobs/{{created['id']}}")).status == 200
    assert (await client.get("/missing")).status == 404
"""

PYPROJECT = """
[tool.pytest.ini_options]
asyncio_mode = "auto"
asyncio_default_fixture_loop_scope = "function"
filterwarnings = ["error"]
pythonpath = ["."]

[tool.loopwire.wiring]
progressive = ["Job.progress"]
identity = "id"
started-by = ["POST /jobs"]
finished-when = {{ status = "completed" }}

[tool.loopwire.wiring.responses]
"POST /jobs" = "demo_schemas:Job"
"GET /jobs/{{id}}" = "demo_schemas:Job"
"GET /jobs/{{id}}/events" = "demo_schemas:Job"

[tool.loopwire.wiring.allow]
{allow}
"""
