"""The loop-stall guard: fail any test whose event loop stalled past a threshold, naming the line.

``pytest --loopwire-stall=50ms`` (or the ini option ``loopwire_stall``) watches every event loop
the tests run, whatever started it: pytest-asyncio, pytest-aiohttp's servers and clients,
``IsolatedAsyncioTestCase``, ``asyncio.run`` in a sync test, a loop on another thread. The
watching itself (heartbeat, watchdog, stack sampling, blame) is :mod:`loopwire.loopwatch`, shared
with the reference service's ``--stall-report``; this package adds the pytest side (per-test
thresholds, allowed stalls with reasons, the run's ranking of stall sites).

Any aiohttp app can log its stalls in production with
:func:`loopwire.loopwatch.aiohttp_app.install_stall_report`. Nothing here imports aiohttp: the
pytest plugin is loaded by every pytest run.
"""

from __future__ import annotations
