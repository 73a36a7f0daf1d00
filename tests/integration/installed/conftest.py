"""A virtualenv with loopwire installed from its wheel, as a user installs it.

The wheel is built from a copy of the checkout (building writes ``build/`` and ``*.egg-info``
next to the sources) and installed with the pytest plugins a user adds, into a fresh venv that
sees nothing of this checkout: tests run there exercise the distribution, not the source tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# What a user adds next to loopwire for async tests (the guide's install line).
USER_PACKAGES = ("pytest", "pytest-asyncio", "pytest-aiohttp")


@dataclass(frozen=True)
class InstalledLoopwire:
    wheel: Path
    python: Path

    def env(self) -> dict[str, str]:
        """The environment of a shell with this venv activated (its scripts first on PATH)."""
        env = outside_env()
        env["VIRTUAL_ENV"] = str(self.python.parents[1])
        env["PATH"] = f"{self.python.parent}{os.pathsep}{env.get('PATH', '')}"
        return env

    def run(self, *args: str, cwd: Path, extra_env: dict[str, str] | None = None) -> str:
        """Run ``python ARGS`` in the venv; the combined output (asserting nothing about it)."""
        result = subprocess.run(
            [str(self.python), *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            env={**self.env(), **(extra_env or {})},
            timeout=600,
            check=False,
        )
        return f"exit {result.returncode}\n{result.stdout}{result.stderr}"


def outside_env() -> dict[str, str]:
    """This process's environment without what points into the checkout or this session: with
    the checkout on ``PYTHONPATH`` (tests/conftest.py puts it there for the reference service)
    pip would find its ``loopwire.egg-info`` and skip installing the wheel."""
    env = dict(os.environ)
    for name in ("PYTEST_ADDOPTS", "PYTHONPATH", "PYTHONHOME"):
        env.pop(name, None)
    return env


def build_wheel(destination: Path) -> Path:
    source = destination / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "loopwire", source / "loopwire", ignore=shutil.ignore_patterns("__pycache__")
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "-w",
            str(destination),
            str(source),
        ],
        env=outside_env(),
        check=True,
        timeout=600,
    )
    (wheel,) = destination.glob("loopwire-*.whl")
    return wheel


@pytest.fixture(scope="session")
def installed_loopwire(tmp_path_factory: pytest.TempPathFactory) -> InstalledLoopwire:
    base = tmp_path_factory.mktemp("installed")
    wheel = build_wheel(base)
    env_dir = base / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel), *USER_PACKAGES],
        env=outside_env(),
        check=True,
        timeout=900,
    )
    return InstalledLoopwire(wheel=wheel, python=python)
