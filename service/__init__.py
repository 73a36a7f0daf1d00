"""loopwire's reference service: a long media-scan job behind an aiohttp API, done right.

Real progress, cancellation that kills the probe processes, timeouts that fire, and an event
loop that is never blocked. :func:`service.app.create_app` builds it; ``python -m service``
runs it.
"""

from __future__ import annotations
