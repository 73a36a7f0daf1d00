"""The right way: ``render`` runs as an asyncio subprocess, progress moves after every file."""

from __future__ import annotations

import asyncio

from aiohttp import web

from exporter.schemas import ExportJob
from exporter.web import create_app as create_web_app
from exporter.web import serve


async def render_all(job: ExportJob) -> None:
    job.progress = 0.0
    for done, name in enumerate(job.files, start=1):
        process = await asyncio.create_subprocess_exec("render", "--", name)
        await process.wait()
        job.progress = done / len(job.files)
    job.status = "done"


def create_app() -> web.Application:
    return create_web_app(render_all)


if __name__ == "__main__":
    serve(create_app())
