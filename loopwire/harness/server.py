"""Run the server under test in its own process (and process group), never in the test's loop.

Responsiveness measured in-process is a trap: a poll sent from the loop the server blocks is
paused with it and reports a fast round trip. So the server runs as a separate process on a free
loopback port, in a new session so that teardown can kill it together with everything it
started. Readiness is the ``listening on http://HOST:PORT`` line it prints, then a health check.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path

from loopwire.harness.processes import group_members

# loopwire's reference service on a free loopback port: the default server under test.
REFERENCE_SERVICE = (sys.executable, "-m", "service", "--host", "127.0.0.1", "--port", "0")
REFERENCE_HEALTH_PATH = "/api/v1/health"
LISTENING = re.compile(r"listening on (https?://\S+)")
# Placeholder a command may contain when its server cannot pick a port and announce it.
PORT_PLACEHOLDER = "{port}"


def is_reference_checkout(rootdir: Path) -> bool:
    """Whether ``rootdir`` is a checkout of loopwire, whose tests run the reference service.

    Judged by the layout (the reference service and this harness both under ``rootdir``), not by
    where loopwire is installed from, so an editable and a wheel install agree. The reference
    service is not installed: in another project ``python -m service`` finds nothing or the
    project's own ``service`` package, and the defaults would start a server that never answers
    their health check.
    """
    return (rootdir / "service" / "__main__.py").is_file() and (
        rootdir / "loopwire" / "harness" / "server.py"
    ).is_file()


class ServerStartError(RuntimeError):
    """The server exited, never announced its address, or never became healthy."""


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now (another process may take it before the server binds it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """A server started with :meth:`start` and stopped (whole process group) with :meth:`stop`.

    ``command`` runs with stdout and stderr merged into :meth:`output`. If an argument contains
    ``{port}`` it is replaced by a free port and the base URL is known up front; otherwise the
    server must print ``listening on http://HOST:PORT``.
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        health_path: str = "/api/v1/health",
        host: str = "127.0.0.1",
    ) -> None:
        self.health_path = health_path
        self.env = dict(os.environ if env is None else env)
        self.cwd = cwd
        self.base_url: str | None = None
        self._lines: list[str] = []
        self._announced = threading.Event()
        self._process: subprocess.Popen[str] | None = None
        self._reader: threading.Thread | None = None
        if any(PORT_PLACEHOLDER in arg for arg in command):
            port = free_port(host)
            command = [arg.replace(PORT_PLACEHOLDER, str(port)) for arg in command]
            self.base_url = f"http://{host}:{port}"
        self.command = list(command)

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("server not started")
        return self._process.pid

    def url(self, path: str) -> str:
        if self.base_url is None:
            raise RuntimeError("server address not known yet")
        return self.base_url + path

    def output(self) -> str:
        return "".join(self._lines)

    def start(self, timeout: float = 30.0) -> ServerProcess:
        """Start, wait for the address and a 200 from the health path; raise with the output."""
        self._process = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**self.env, "PYTHONUNBUFFERED": "1"},
            cwd=self.cwd,
            start_new_session=True,
        )
        self._reader = threading.Thread(target=self._read, name="server-output", daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        try:
            if self.base_url is None:
                self._wait_announced(deadline)
            self._wait_healthy(deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def _read(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        # Drained for the server's whole life: a full pipe would block the server's writes.
        for line in self._process.stdout:
            self._lines.append(line)
            match = LISTENING.search(line)
            if match and self.base_url is None:
                self.base_url = match.group(1).rstrip("/")
                self._announced.set()

    def _check_running(self) -> None:
        assert self._process is not None
        if self._process.poll() is not None:
            if self._reader is not None:
                self._reader.join(timeout=2)
            raise ServerStartError(
                f"server exited with status {self._process.returncode} before it was ready; "
                f"command {self.command}\noutput:\n{self.output()}"
            )

    def _wait_announced(self, deadline: float) -> None:
        while not self._announced.wait(timeout=0.05):
            self._check_running()
            if time.monotonic() > deadline:
                raise ServerStartError(
                    f"server printed no 'listening on http://HOST:PORT' line; "
                    f"output:\n{self.output()}"
                )

    def _wait_healthy(self, deadline: float) -> None:
        last_error = "no attempt"
        while time.monotonic() < deadline:
            self._check_running()
            try:
                with urllib.request.urlopen(self.url(self.health_path), timeout=2) as response:
                    if response.status == 200:
                        return
                    last_error = f"status {response.status}"
            except (urllib.error.URLError, OSError) as exc:
                last_error = str(exc)
            time.sleep(0.05)
        raise ServerStartError(
            f"{self.health_path} never answered 200 ({last_error}); output:\n{self.output()}"
        )

    def group_alive(self) -> bool:
        """Whether any live process of the server's group still exists (zombies excluded)."""
        return self._process is not None and bool(group_members(self._process.pid))

    def stop(self, grace: float = 5.0) -> int | None:
        """SIGTERM the group, wait up to ``grace`` seconds, then SIGKILL whatever is left of it.

        Returns the server's exit status (``None`` if it was never started).
        """
        process = self._process
        if process is None:
            return None
        if process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=grace)
        # The group outlives its leader when the leader leaves children behind.
        _signal_group(process.pid, signal.SIGKILL)
        status = process.wait(timeout=grace)
        if self._reader is not None:
            self._reader.join(timeout=grace)
        if process.stdout is not None:
            process.stdout.close()
        return status

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def _signal_group(group: int, signum: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)
