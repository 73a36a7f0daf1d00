"""loopwire: quality gates for asyncio services.

One sub-package per guard (``lint``, ``wiring``, ``harness``) plus what they share: the finding
type, output formats, configuration, file discovery and ``noqa`` suppression.
"""

from __future__ import annotations

__version__ = "0.1.0"
