"""Every piece of application state, under one typed ``web.AppKey`` each, declared here only."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web

from service.child_process import ChildProcesses
from service.config import ServiceConfig
from service.jobs import JobQueue
from service.probe import Prober
from service.storage import History

CONFIG = web.AppKey("config", ServiceConfig)
PROBER = web.AppKey[Prober]("prober")
# How job history and the library are opened for the configuration.
OpenStorage = Callable[[ServiceConfig], Awaitable[History]]
OPEN_STORAGE = web.AppKey[OpenStorage]("open_storage")
# Every child process of the service (probes, ffmpeg), tracked together.
CHILDREN = web.AppKey("children", ChildProcesses)
# Free places for event streams (see service.sse).
EVENT_STREAMS = web.AppKey("event_streams", asyncio.Semaphore)
# Set by the startup context (they need the running loop: a db connection, resolved paths).
JOBS = web.AppKey("jobs", JobQueue)
MEDIA_ROOTS = web.AppKey[tuple[Path, ...]]("media_roots")
