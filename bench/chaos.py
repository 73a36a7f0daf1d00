"""``python -m bench.chaos`` (``nox -s chaos``): attack a real service process, print what held.

Each attack runs against a fresh ``python -m service`` process with its own media folder and
database, bounded in time, and reports one row: whether the service survived (kept answering and
behaved as its guarantees say), how many stored results were lost, how many processes it
started were left behind, and its peak RSS. The exit status is 1 if any row is not
(yes, 0, 0). The same attacks, one by one and with more detail, are the
``tests/integration/service/test_attack_*.py`` tests.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from loopwire.harness.attacks import (
    MINIMAL_PROBE_JSON,
    peak_rss_kib,
    post_scan,
    process_gone,
    request,
    swapping,
    wait_for,
    wait_job,
    write_probe_script,
)
from loopwire.harness.fake_ffprobe.fakes import Behaviour, FakeFfprobe, write_fake_ffprobe
from loopwire.harness.server import REFERENCE_SERVICE, ServerProcess


@dataclass(frozen=True)
class Outcome:
    attack: str
    survived: bool
    data_lost: int
    left_behind: int
    peak_rss_kib: int

    @property
    def held(self) -> bool:
        return self.survived and self.data_lost == 0 and self.left_behind == 0


class Arena:
    """One attack's folder: media, database, fakes, and the servers it started (stopped and
    their fakes killed at the end, whatever happened)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.media = root / "media"
        self.media.mkdir()
        self.db = root / "service.db"
        self.servers: list[ServerProcess] = []
        self.fakes: list[FakeFfprobe] = []
        self.peak = 0

    def fake(self, rules: dict[str, Behaviour] | None = None) -> FakeFfprobe:
        fake = write_fake_ffprobe(self.root / f"fake-{len(self.fakes)}", rules)
        self.fakes.append(fake)
        return fake

    def serve(self, ffprobe: Path, *args: str, prefix: tuple[str, ...] = ()) -> ServerProcess:
        command = [*prefix, *REFERENCE_SERVICE, "--media-root", str(self.media)]
        command += ["--db", str(self.db), "--ffprobe", str(ffprobe), *args]
        server = ServerProcess(command)
        self.servers.append(server)
        return server.start()

    def measure(self, server: ServerProcess) -> None:
        with contextlib.suppress(OSError, AssertionError):
            self.peak = max(self.peak, peak_rss_kib(server.pid))

    def videos(self, *names: str, size: int = 1024) -> None:
        for name in names:
            (self.media / name).write_bytes(b"\0" * size)

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        for fake in self.fakes:
            fake.kill_survivors()


def _left(fakes: list[FakeFfprobe]) -> int:
    """Fake probe processes still alive, after a generous moment to die."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        alive = sum(len(fake.alive_pids()) for fake in fakes)
        if alive == 0:
            return 0
        time.sleep(0.1)
    return alive


def kill_9_and_restart(arena: Arena) -> tuple[bool, int, int]:
    fake = arena.fake(
        rules={"hang-*": Behaviour(mode="hang"), "child-*": Behaviour(mode="grandchild",
               after_spawn="hang")},
    )  # fmt: skip
    (arena.media / "done").mkdir()
    (arena.media / "done" / "a.mp4").write_bytes(b"\0" * 1024)
    arena.videos("hang-1.mp4", "hang-2.mp4", "child-1.mp4", "child-2.mp4")
    server = arena.serve(fake.executable, "--concurrency", "4")
    done = wait_job(server, post_scan(server, arena.media / "done")["id"])
    wait_for(lambda: request(server, "GET", f"/api/v1/jobs/{done['id']}")[2]["saved"])
    post_scan(server, arena.media)
    wait_for(lambda: len(fake.invocations()) >= 5, what="probes running")
    arena.measure(server)
    os.kill(server.pid, signal.SIGKILL)
    server.stop()
    again = arena.serve(fake.executable)
    status, _, stored = request(again, "GET", f"/api/v1/jobs/{done['id']}")
    lost = 0 if status == 200 and stored["result"] == done["result"] else 1
    arena.measure(again)
    return status == 200, lost, _left(arena.fakes)


def unwritable_database(arena: Arena) -> tuple[bool, int, int]:
    fake = arena.fake()
    arena.videos("a.mp4")
    server = arena.serve(fake.executable)
    journal = arena.root / "service.db-journal"
    journal.mkdir()
    job = wait_job(server, post_scan(server, arena.media)["id"])
    degraded = request(server, "GET", "/api/v1/health")[0] == 503 and not job["saved"]
    body = json.dumps({"path": str(arena.media)}).encode()
    refused = request(server, "POST", "/api/v1/scans", body)[0] == 503
    journal.rmdir()
    wait_for(lambda: request(server, "GET", f"/api/v1/jobs/{job['id']}")[2]["saved"])
    arena.measure(server)
    server.stop()
    again = arena.serve(fake.executable)
    lost = int(request(again, "GET", f"/api/v1/jobs/{job['id']}")[0] != 200)
    return degraded and refused, lost, _left(arena.fakes)


def descriptor_exhaustion(arena: Arena) -> tuple[bool, int, int]:
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        raise RuntimeError("prlimit (util-linux) is not installed")
    fake = arena.fake(rules={"slow-*": Behaviour(delay=3.0)})
    arena.videos("slow-1.mp4", *(f"v{index}.mp4" for index in range(20)))
    server = arena.serve(
        fake.executable, "--max-event-streams", "1000", prefix=(prlimit, "--nofile=200:200")
    )
    job = post_scan(server, arena.media)
    streams = []
    try:
        for _ in range(260):
            with contextlib.suppress(OSError):
                streams.append(_open_stream(server, f"/api/v1/jobs/{job['id']}/events"))
        healthy = request(server, "GET", "/api/v1/health", timeout=5)[0] == 200
        final = wait_job(server, job["id"])
    finally:
        for stream in streams:
            stream.close()
    arena.measure(server)
    ok = healthy and final["status"] == "completed" and not final["result"]["errors"]
    return ok, 0, _left(arena.fakes)


def _open_stream(server: ServerProcess, path: str) -> http.client.HTTPConnection:
    url = urlsplit(server.url(""))
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    connection.request("GET", path)
    connection.getresponse()
    return connection


def swapping_symlinks(arena: Arena) -> tuple[bool, int, int]:
    fake = arena.fake()
    outside = arena.root / "outside"
    (outside / "secret-folder").mkdir(parents=True)
    (outside / "secret.mp4").write_bytes(b"s" * 7777)
    (outside / "secret-folder" / "secret-1.mp4").write_bytes(b"s" * 7777)
    pairs = []
    for index in range(10):
        arena.videos(f"v{index}.mp4", size=1000)
        (arena.media / f"v{index}-link.mp4").symlink_to(outside / "secret.mp4")
        pairs.append((arena.media / f"v{index}.mp4", arena.media / f"v{index}-link.mp4"))
    (arena.media / "sub").mkdir()
    (arena.media / "sub-link").symlink_to(outside / "secret-folder")
    pairs.append((arena.media / "sub", arena.media / "sub-link"))
    server = arena.serve(fake.executable)
    leaked = False
    with swapping(pairs):
        for _ in range(6):
            job = wait_job(server, post_scan(server, arena.media)["id"])
            leaked |= "secret" in json.dumps(job) or any(
                video["size_bytes"] == 7777 for video in job["result"]["videos"]
            )
    arena.measure(server)
    return not leaked, 0, _left(arena.fakes)


def flooding_probe(arena: Arena) -> tuple[bool, int, int]:
    probe = write_probe_script(arena.root / "flood", "exec head -c 209715200 /dev/zero")
    arena.videos("flood.mp4")
    server = arena.serve(probe)
    job = wait_job(server, post_scan(server, arena.media)["id"])
    arena.measure(server)
    codes = [error["code"] for error in job["result"]["errors"]]
    return codes == ["probe_output_too_large"], 0, 0


def escaping_probe(arena: Arena) -> tuple[bool, int, int]:
    pid_file = arena.root / "escaped.pid"
    grandchild = (
        "import os, time; os.setsid(); "
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(3600)"
    )
    probe = write_probe_script(
        arena.root / "escaping",
        f"{sys.executable} -c {grandchild!r} &\n"
        f"while [ ! -s {pid_file} ]; do sleep 0.01; done\n"
        f"printf '%s' '{MINIMAL_PROBE_JSON}'",
    )
    arena.videos("a.mp4")
    server = arena.serve(probe, "--probe-timeout", "8")
    job = wait_job(server, post_scan(server, arena.media)["id"])
    arena.measure(server)
    escaped = int(pid_file.read_text())
    with contextlib.suppress(AssertionError):
        wait_for(lambda: process_gone(escaped), within=10)
    left = 0 if process_gone(escaped) else 1
    if left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(escaped, signal.SIGKILL)
    return job["status"] == "completed" and not job["result"]["errors"], 0, left


def corrupt_rows(arena: Arena) -> tuple[bool, int, int]:
    fake = arena.fake()
    arena.videos("a.mp4")
    server = arena.serve(fake.executable)
    good = wait_job(server, post_scan(server, arena.media)["id"])
    wait_for(lambda: request(server, "GET", f"/api/v1/jobs/{good['id']}")[2]["saved"])
    server.stop()
    with sqlite3.connect(arena.db) as connection:
        connection.executemany(
            "INSERT INTO jobs (id, status, created_at, document) VALUES (?, ?, ?, ?)",
            [("bad-json", "completed", "2026", "{"), ("bad-status", "x", "2026", "{}")],
        )
    again = arena.serve(fake.executable)
    arena.measure(again)
    status, _, stored = request(again, "GET", f"/api/v1/jobs/{good['id']}")
    return True, int(status != 200 or stored["result"] != good["result"]), _left(arena.fakes)


def hostile_requests(arena: Arena) -> tuple[bool, int, int]:
    server = arena.serve(arena.fake().executable)
    attacks = [
        ("POST", "/api/v1/scans", b'{"path": "/\\ud800"}'),
        ("GET", "/static/app.js%00", None),
        ("GET", "/static/" + "a" * 5000, None),
    ]
    answers = [request(server, method, path, body) for method, path, body in attacks]
    arena.measure(server)
    return all(400 <= status < 500 and "error" in body for status, _, body in answers), 0, 0


ATTACKS: dict[str, Callable[[Arena], tuple[bool, int, int]]] = {
    "kill -9 mid-scan, restart": kill_9_and_restart,
    "database stops taking writes": unwritable_database,
    "fd limit 200, 260 event streams": descriptor_exhaustion,
    "symlink swap loop during scans": swapping_symlinks,
    "probe floods 200 MB": flooding_probe,
    "probe grandchild escapes (setsid)": escaping_probe,
    "corrupt rows at start-up": corrupt_rows,
    "lone surrogate, NUL, 5000-char name": hostile_requests,
}


def run(name: str, attack: Callable[[Arena], tuple[bool, int, int]]) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="loopwire-chaos-") as folder:
        arena = Arena(Path(folder))
        try:
            survived, lost, left = attack(arena)
        except Exception as exc:  # an attack that broke the service is a row, not a crash
            print(f"{name}: {type(exc).__name__}: {exc}", file=sys.stderr)
            survived, lost, left = False, 0, _left(arena.fakes)
        finally:
            arena.close()
        return Outcome(name, survived, lost, left, arena.peak)


def table(outcomes: list[Outcome]) -> str:
    header = ("attack", "survived", "data lost", "left behind", "peak RSS")
    rows = [
        (o.attack, "yes" if o.survived else "NO", str(o.data_lost), str(o.left_behind),
         f"{o.peak_rss_kib / 1024:.0f} MiB")
        for o in outcomes
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             for row in [header, *rows]]  # fmt: skip
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def main() -> int:
    outcomes = [run(name, attack) for name, attack in ATTACKS.items()]
    print(table(outcomes))
    return 0 if all(outcome.held for outcome in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
