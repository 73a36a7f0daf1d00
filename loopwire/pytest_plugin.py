"""pytest entry point (``pytest11``): loopwire's fixtures and the opt-in wiring recorder and
loop-stall guard.

Loaded in every pytest run where loopwire is installed, so everything here stays inert until a
test asks for a fixture or the run passes ``--loopwire-wiring`` or
``--loopwire-stall``.
"""

from __future__ import annotations

pytest_plugins: list[str] = [
    "loopwire.harness.fixtures",
    "loopwire.wiring.pytest_wiring",
    "loopwire.stall.pytest_stall",
]
