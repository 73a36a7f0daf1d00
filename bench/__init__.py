"""``nox -s bench``: measure loopwire's speed and memory claims against peers and the ideal.

The README states numbers (lint speed against flake8-async and ruff, scan throughput against
N*d/c, poll latency under load, bounded memory); this package produces them, on this machine,
in one run, so the claims can be checked rather than trusted.
"""

from __future__ import annotations
