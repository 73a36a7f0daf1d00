"""Capture what an aiohttp app really sends: JSON bodies and the JSON data of SSE events.

Mechanism (chosen because it needs no cooperation from the app and survives middlewares that
build their own responses): an ``on_response_prepare`` signal handler, appended to the app before
it freezes. The signal fires for every response of the app and its sub-apps, after the handler
(and every middleware) produced it and before the headers go out, with the request's resolved
route at hand. A ``web.Response`` already holds its whole body then; for a ``text/event-stream``
response the handler wraps that response's ``write`` so each event is recorded as it is sent.

Two ways in:

- in-process (pytest): the plugin wraps ``web.AppRunner.setup`` (which
  ``aiohttp.test_utils.TestServer``, ``aiohttp_client`` and ``web.run_app`` all go through), so
  every app a test starts is instrumented just before it freezes;
- out of process: a server calls :func:`instrument_from_env` on its app; when the environment
  variable ``LOOPWIRE_WIRING_LOG`` names a file, observations are appended to it as JSON lines,
  which the pytest plugin merges at the end of the session. Without the variable it does nothing.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import threading
import weakref
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

from aiohttp import web

from loopwire.wiring.responses import Observation

LOG_ENV = "LOOPWIRE_WIRING_LOG"

Sink = Callable[[Observation], None]

_instrumented: weakref.WeakSet[web.Application] = weakref.WeakSet()
_app_numbers = itertools.count(1)


def instrument(
    app: web.Application,
    sink: Sink,
    scope: Callable[[], str] = str,
    after: Callable[[], Awaitable[None]] | None = None,
) -> bool:
    """Record every JSON response and SSE event of ``app`` into ``sink``.

    An app is instrumented once; later calls keep the first sink. Returns False when the app is
    already frozen (its signals can no longer change): such an app cannot be watched, and the
    caller reports that rather than pretending it was.
    """
    if app in _instrumented:
        return True
    if app.pre_frozen:
        return False
    tag = f"app{next(_app_numbers)}"

    async def on_response_prepare(request: web.Request, response: web.StreamResponse) -> None:
        route = _route_of(request)
        where = f"{scope()}#{tag}"
        if response.content_type == "text/event-stream":
            _watch_events(request.method, route, response, sink, where, after)
            return
        if response.content_type != "application/json" or not isinstance(response, web.Response):
            return
        body = response.body
        if not isinstance(body, bytes | bytearray):
            return
        try:
            decoded = json.loads(body)
        except ValueError:
            return
        sink(Observation(request.method, route, response.status, decoded, where))
        if after is not None:
            await after()

    app.on_response_prepare.append(on_response_prepare)
    _instrumented.add(app)
    return True


# Route of requests that matched no resource: one bucket, however many paths a fuzzer tries.
UNMATCHED = "(no route)"


def _route_of(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else UNMATCHED


def _watch_events(
    method: str,
    route: str,
    response: web.StreamResponse,
    sink: Sink,
    scope: str,
    after: Callable[[], Awaitable[None]] | None,
) -> None:
    parser = SseParser()
    send = response.write

    async def write(data: bytes | bytearray | memoryview) -> None:
        for event, payload in parser.feed(bytes(data)):
            try:
                decoded = json.loads(payload)
            except ValueError:
                continue
            sink(Observation(method, route, response.status, decoded, scope, event or "message"))
            if after is not None:
                await after()
        await send(data)

    # The per-instance attribute shadows the method for this one response only.
    setattr(response, "write", write)  # noqa: B010


class SseParser:
    """Incremental ``text/event-stream`` parser: bytes in, (event name, data) pairs out."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, chunk: bytes) -> Iterator[tuple[str | None, str]]:
        self._buffer += chunk.decode("utf-8", errors="replace").replace("\r\n", "\n")
        while "\n\n" in self._buffer:
            block, self._buffer = self._buffer.split("\n\n", 1)
            event: str | None = None
            data: list[str] = []
            for line in block.split("\n"):
                name, _, value = line.partition(":")
                value = value.removeprefix(" ")
                if name == "event":
                    event = value
                elif name == "data":
                    data.append(value)
            if data:
                yield event, "\n".join(data)


class JsonlSink:
    """Appends observations to a JSON-lines file without blocking the event loop.

    ``record`` only queues (it runs inside the signal handler, on the loop); ``flush`` writes the
    queue from a worker thread. A sequence number keeps the send order even if two flushes race.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._pending: list[str] = []
        self._lock = threading.Lock()
        self._numbers = itertools.count()

    def record(self, observation: Observation) -> None:
        line = {"seq": next(self._numbers), "pid": os.getpid(), **observation.as_json()}
        self._pending.append(json.dumps(line, default=str))

    def write_pending(self) -> None:
        with self._lock:
            lines, self._pending = self._pending, []
            if lines:
                with self._path.open("a", encoding="utf-8") as fh:
                    fh.write("".join(f"{line}\n" for line in lines))

    async def flush(self) -> None:
        await asyncio.to_thread(self.write_pending)


def instrument_from_env(app: web.Application) -> bool:
    """Record ``app``'s responses to ``$LOOPWIRE_WIRING_LOG`` if it is set; else do nothing."""
    target = os.environ.get(LOG_ENV)
    if not target:
        return False
    sink = JsonlSink(Path(target))
    return instrument(app, sink.record, lambda: f"pid{os.getpid()}", sink.flush)


def read_log(path: Path) -> list[Observation]:
    """Observations a server process appended to ``path``, in the order each server sent them."""
    if not path.is_file():
        return []
    records: list[dict[str, object]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            continue
        if isinstance(item, dict):
            records.append(item)
    records.sort(key=lambda r: (str(r.get("pid")), _int(r.get("seq"))))
    return [observation_from_json(r) for r in records]


def observation_from_json(record: dict[str, object]) -> Observation:
    """The :class:`Observation` that ``Observation.as_json`` (or a log line) describes."""
    return Observation(
        method=str(record.get("method", "GET")),
        route=str(record.get("route", "")),
        status=_int(record.get("status")),
        body=record.get("body"),
        scope=str(record.get("scope", "")),
        event=None if record.get("event") is None else str(record.get("event")),
    )


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0
