"""Which variant the guards test, and how loopwire's harness starts it.

``EXPORTER_VARIANT=bad pytest`` runs the same guards on the bad variant, where each must fail.
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType

import pytest

VARIANT = os.environ.get("EXPORTER_VARIANT", "good")


@pytest.fixture
def app_module() -> ModuleType:
    return importlib.import_module(f"exporter.{VARIANT}")


@pytest.fixture
def app_file() -> str:
    return f"exporter/{VARIANT}.py"


@pytest.fixture
def server_command() -> list[str]:
    # The app prints "exporter listening on http://127.0.0.1:PORT"; "{port}" would also do.
    return [sys.executable, "-m", f"exporter.{VARIANT}", "--port", "0"]


@pytest.fixture
def server_health_path() -> str:
    return "/health"
