"""One session per gate; ``nox -s gates`` runs them all (CI, pre-commit, a developer's machine)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import nox

nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True
nox.options.sessions = ["gates"]

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHON = f"{sys.version_info.major}.{sys.version_info.minor}"
LINTED = ["service", "loopwire", "bench"]
WIRED = ["service"]

# Debian package that provides each binary the integration tests run for real.
SYSTEM_BINARIES = {
    "ffprobe": "ffmpeg",
    "ffmpeg": "ffmpeg",
    "chromium": "chromium",
    # The distributed backend's tests start their own redis-server.
    "redis-server": "redis-server",
}


def install(session: nox.Session, *groups: str) -> None:
    """Install loopwire (editable), the reference service's dependencies and the named groups.

    The service runs from the checkout (it is not part of the installed package), so every
    session that may start it gets its group.
    """
    deps: list[str] = []
    for group in ("service", *groups):
        deps.extend(nox.project.dependency_groups(PYPROJECT, group))
    # Groups include each other (test includes service): each requirement once.
    session.install("-e", ".", *dict.fromkeys(deps))


def ensure_system_binaries(session: nox.Session) -> None:
    """Install ffmpeg, chromium and redis-server from Debian when root; otherwise stop with the
    exact command."""
    missing = sorted({pkg for binary, pkg in SYSTEM_BINARIES.items() if not shutil.which(binary)})
    if not missing:
        return
    command = ["apt-get", "install", "-y", "--no-install-recommends", *missing]
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {"DEBIAN_FRONTEND": "noninteractive"}
        session.run("apt-get", "update", "-qq", external=True, env=env)
        session.run(*command, external=True, env=env)
        return
    session.error(f"missing system packages {missing}; install them with: sudo {' '.join(command)}")


def run_ruff(session: nox.Session) -> None:
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


def run_mypy(session: nox.Session) -> None:
    session.run("mypy")


def run_lint(session: nox.Session, *paths: str) -> None:
    session.run("loopwire", "lint", *(paths or LINTED))


def run_wiring(session: nox.Session, *paths: str) -> None:
    session.run("loopwire", "wiring", *(paths or WIRED))


def run_tests(session: nox.Session) -> None:
    ensure_system_binaries(session)
    # The dynamic wiring check judges the whole suite: a partial run (posargs such as -k or one
    # folder) would fail on fields it never exercised, so it is on only for full runs.
    # One process, not xdist: two workers on a 2-core machine beside two CPU burners doubled
    # the load (2.7 to 5.5) and starved the loop of the GIL for 30-200 ms in plain Python lines,
    # past the 30 ms stall threshold this suite needs to catch a 50 ms per-file hook.
    full = ["--loopwire-wiring", "--loopwire-wiring-json", "bench-results/wiring-report.json"]
    session.run("python", "-m", "pytest", *(session.posargs or full))


@nox.session(python=PYTHON)
def gates(session: nox.Session) -> None:
    """Run every gate: the full test suite, then ruff, mypy, loopwire lint and loopwire wiring."""
    install(session, "test", "lint", "typecheck")
    # The tests first: they install ffmpeg, chromium and redis-server when missing, as CI needs.
    run_tests(session)
    run_ruff(session)
    run_mypy(session)
    run_lint(session)
    run_wiring(session)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite (unit, integration, browser) with real ffprobe, chromium and Redis."""
    install(session, "test")
    run_tests(session)


@nox.session(python=PYTHON, default=False)
def ruff(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    install(session, "lint")
    run_ruff(session)


@nox.session(python=PYTHON, default=False)
def mypy(session: nox.Session) -> None:
    """Type-check everything with mypy --strict."""
    install(session, "typecheck")
    run_mypy(session)


@nox.session(python=PYTHON, default=False)
def lint(session: nox.Session) -> None:
    """Run loopwire's blocking-call linter over the service and the toolkit."""
    install(session)
    run_lint(session, *session.posargs)


@nox.session(python=PYTHON, default=False)
def wiring(session: nox.Session) -> None:
    """Run loopwire's static wiring check over the service."""
    install(session)
    run_wiring(session, *session.posargs)


@nox.session(python=PYTHON, default=False)
def responsiveness(session: nox.Session) -> None:
    """Scan slow fake files while polling the service; print latency and wall-time table."""
    install(session)
    session.run("python", "-m", "loopwire.harness.scenario", *session.posargs)


@nox.session(python=PYTHON, default=False)
def bench_frames(session: nox.Session) -> None:
    """A frame job's frames per second against ffmpeg run alone (job machinery overhead)."""
    install(session)
    session.run("python", "-m", "bench.frames", *session.posargs)


@nox.session(python=PYTHON, default=False)
def bench_distributed(session: nox.Session) -> None:
    """Scan wall time with 1, 2, 4 arq workers against the ideal; API poll p99; cancel latency."""
    install(session)
    ensure_system_binaries(session)
    session.run("python", "-m", "bench.distributed", *session.posargs)


@nox.session(python=PYTHON, default=False)
def chaos(session: nox.Session) -> None:
    """Attack a real service process (kill -9, bad disk, fd limit, symlink swaps, hostile
    probes); print what held."""
    install(session)
    session.run("python", "-m", "bench.chaos", *session.posargs)


@nox.session(python=PYTHON, default=False)
def soak(session: nox.Session) -> None:
    """The full suite N times in a row under CPU burners (``-- --runs 20 --burners 2``)."""
    install(session, "test")
    ensure_system_binaries(session)
    # Ctrl-C: nox's default 0.3 s before SIGTERM and SIGKILL would leave the interrupted run's
    # servers and workers behind; the soak stops its pytest within a minute.
    session.run("python", "-m", "bench.soak", *session.posargs, interrupt_timeout=90)


@nox.session(python=PYTHON, default=False)
def serve(session: nox.Session) -> None:
    """Serve the reference service on 127.0.0.1:8080 over a generated sample media folder."""
    install(session)
    ensure_system_binaries(session)
    media = ROOT / "sample-media"
    session.run("python", "-m", "service.sample_media", str(media))
    session.run(
        "python",
        "-m",
        "service",
        "--media-root",
        str(media),
        "--db",
        str(ROOT / "serve.db"),
        *session.posargs,
    )


@nox.session(python=PYTHON, default=False)
def bench(session: nox.Session) -> None:
    """Time lint, wiring and the service against peers and ideals; print one table (--quick)."""
    # Installed as users install it: an editable install's import hook costs every start-up
    # ~25 ms, which would be timed as loopwire's own.
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "bench"))
    # The distributed section starts its own redis-server.
    ensure_system_binaries(session)
    session.run("python", "-m", "bench", *session.posargs)


@nox.session(python=PYTHON, default=False)
def realworld(session: nox.Session) -> None:
    """Lint public asyncio packages from PyPI; print findings, peer coverage, judged precision."""
    # Installed as users install it, beside the peers whose findings it is compared with.
    session.install(".", *nox.project.dependency_groups(PYPROJECT, "bench"))
    session.run("python", "-m", "bench.realworld", *session.posargs)


@nox.session(python=PYTHON, default=False)
def realworld_wiring(session: nox.Session) -> None:
    """Run loopwire wiring on pinned public asyncio packages; findings and judged precision."""
    install(session)
    session.run("python", "-m", "bench.realworld_wiring", *session.posargs)


if __name__ == "__main__":
    nox.main()
