"""What the server under test said about its own event-loop stalls (``--stall-report``).

A poller outside the server can tell that answers were late, not why. A server started with
``--stall-report MS`` logs each stall with the line that blocked, so a failed verdict can carry
the server's own account: which sites stalled, how often, and the worst of each.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from loopwire.loopwatch.aiohttp_app import NOT_COUNTED

# The headline the stall report logs (stalls that are not the code's doing end NOT_COUNTED).
_HEADLINE = re.compile(
    r"event loop stalled (?P<ms>\d+) ms \(threshold \d+ ms\) at (?P<site>.+?) \("
)


def stall_sites(output: Iterable[str] | str) -> list[str]:
    """One line a stalled site, worst first: ``3 x up to 1004 ms at path.py:41 probe``."""
    lines = output.splitlines() if isinstance(output, str) else output
    count: Counter[str] = Counter()
    worst: dict[str, int] = {}
    for line in lines:
        match = _HEADLINE.search(line)
        if match is None or line.rstrip().endswith(NOT_COUNTED):
            continue
        site, ms = match["site"], int(match["ms"])
        count[site] += 1
        worst[site] = max(worst.get(site, 0), ms)
    ranked = sorted(count, key=lambda site: worst[site], reverse=True)
    return [f"{count[site]} x up to {worst[site]} ms at {site}" for site in ranked]
