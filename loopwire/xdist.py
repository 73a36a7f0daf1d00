"""What loopwire's pytest plugins need from pytest-xdist, without importing it.

Under ``pytest -n N`` the tests run in worker processes and the controller runs none, so a check
judged at the end of the session would see nothing on the controller and only a part of the run
on each worker. Each plugin therefore hands what its worker saw to the controller (xdist carries
``config.workeroutput`` from a finished worker to ``pytest_testnodedown``), and only the
controller, which then holds the whole run, judges and reports.
"""

from __future__ import annotations

from typing import Any

import pytest


def worker_output(config: pytest.Config) -> dict[str, Any] | None:
    """The dict an xdist worker hands its controller when it finishes; None outside a worker."""
    output: dict[str, Any] | None = getattr(config, "workeroutput", None)
    return output


def runs_workers(config: pytest.Config) -> bool:
    """Is this process an xdist controller, whose tests run in workers?"""
    return config.pluginmanager.hasplugin("dsession")


def output_of(node: object, key: str) -> Any:
    """What a finished worker (the ``node`` of ``pytest_testnodedown``) handed over under
    ``key``, or None (a worker that crashed hands over nothing)."""
    output = getattr(node, "workeroutput", None)
    return output.get(key) if isinstance(output, dict) else None
