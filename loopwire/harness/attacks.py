"""What the attack tests and ``nox -s chaos`` share: the real service as a separate process, raw
HTTP to it, waits on its jobs, probe stand-ins a test writes itself, a symlink swapper, and
process and memory readings. Raw ``http.client`` so that an attack can send what a polite
client never would (a NUL in a path, a lone surrogate in a JSON body)."""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from loopwire.harness.server import ServerProcess

FINAL = {"completed", "failed", "cancelled", "timed_out"}


def start_service(
    service_process: Callable[..., ServerProcess],
    media: Path,
    db: Path,
    *args: str,
    ffprobe: Path | str | None = None,
    env: dict[str, str] | None = None,
) -> ServerProcess:
    command = ["--media-root", str(media), "--db", str(db), *args]
    if ffprobe is not None:
        command += ["--ffprobe", str(ffprobe)]
    return service_process(*command, env=env)


def request(
    server: ServerProcess,
    method: str,
    path: str,
    body: bytes | None = None,
    timeout: float = 30.0,
) -> tuple[int, dict[str, str], Any]:
    """Send ``path`` as given (no quoting); return status, headers and the JSON body (or the
    raw text when it is not JSON)."""
    url = urlsplit(server.url(""))
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        try:
            decoded: Any = json.loads(raw)
        except ValueError:
            decoded = raw.decode(errors="replace")
        return response.status, dict(response.getheaders()), decoded
    finally:
        connection.close()


def post_scan(server: ServerProcess, path: Path | str) -> dict[str, Any]:
    status, _, body = request(
        server, "POST", "/api/v1/scans", json.dumps({"path": str(path)}).encode()
    )
    assert status == 202, body
    job: dict[str, Any] = body
    return job


def wait_job(server: ServerProcess, job_id: str, within: float = 60.0) -> dict[str, Any]:
    """The job once final (fails the test after ``within`` seconds)."""
    deadline = time.monotonic() + within
    while True:
        status, _, job = request(server, "GET", f"/api/v1/jobs/{job_id}")
        assert status == 200, job
        if job["status"] in FINAL:
            result: dict[str, Any] = job
            return result
        assert time.monotonic() < deadline, f"job {job_id} still {job['status']}"
        time.sleep(0.05)


def wait_for(predicate: Callable[[], bool], within: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + within
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


# What a probe must print for a file to count as a video (the parser needs little more).
MINIMAL_PROBE_JSON = (
    '{"format": {"format_name": "mov,mp4,m4a,3gp,3g2,mj2", "duration": "1.000000",'
    ' "size": "1024"}, "streams": []}'
)


def write_probe_script(directory: Path, body: str) -> Path:
    """An executable ``/bin/sh`` ffprobe stand-in whose behaviour is ``body`` (a test's own
    attack, where the harness fakes have no such mode)."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "ffprobe"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return script


def process_gone(pid: int) -> bool:
    """Gone for good: not running, not even a zombie waiting to be reaped."""
    return not os.path.exists(f"/proc/{pid}")


def peak_rss_kib(pid: int) -> int:
    """The peak resident set size (VmHWM) of a running process, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmHWM for {pid}")


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def exchange(first: Path, second: Path) -> None:
    """Swap two paths atomically (``renameat2`` with ``RENAME_EXCHANGE``, Linux 3.15+)."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.renameat2(_AT_FDCWD, bytes(first), _AT_FDCWD, bytes(second), _RENAME_EXCHANGE):
        raise OSError(ctypes.get_errno(), "renameat2 RENAME_EXCHANGE failed")


@contextlib.contextmanager
def swapping(pairs: Sequence[tuple[Path, Path]]) -> Iterator[None]:
    """While the block runs, a thread keeps exchanging each pair of paths (a file or folder and
    a symlink to outside), as fast as it can."""
    stop = threading.Event()

    def swap() -> None:
        while not stop.is_set():
            for first, second in pairs:
                exchange(first, second)

    thread = threading.Thread(target=swap, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)
