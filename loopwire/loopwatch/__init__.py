"""Loop-stall watching: notice when an event loop stops turning, and name the line that stopped it.

A heartbeat callback runs on the watched loop every few milliseconds; a watchdog thread notices
when it is late past a threshold and samples the loop thread's stack until it runs again. The
report names the deepest frame in the project's own code, the full stack, and how many samples
agreed, so a stall from any cause (a blocking call hidden behind a dict, a C-level wait, a CPU
loop) names its line.

It imports nothing else of loopwire, so the reference service (``--stall-report``) and any
other app run it in production without the rest of the toolkit; ``loopwire.stall`` (the pytest
guard) reuses it, so there is one implementation. Nothing here imports aiohttp except
:mod:`loopwire.loopwatch.aiohttp_app`, where apps import ``install_stall_report`` from.
"""

from __future__ import annotations
