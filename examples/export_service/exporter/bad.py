"""The bugs loopwire exists for: a blocking ``subprocess.run`` in an ``async def`` (the whole
loop freezes while ``render`` runs), and a ``progress`` field that nothing ever sets."""

from __future__ import annotations

import subprocess

from aiohttp import web

from exporter.schemas import ExportJob
from exporter.web import create_app as create_web_app
from exporter.web import serve


async def render_all(job: ExportJob) -> None:
    for name in job.files:
        subprocess.run(["render", "--", name], check=True)
    job.status = "done"


def create_app() -> web.Application:
    return create_web_app(render_all)


if __name__ == "__main__":
    serve(create_app())
