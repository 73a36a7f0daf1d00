"""``install_stall_report(app, threshold)`` for any aiohttp application.

The implementation is the reference service's own (:mod:`service.loopwatch.aiohttp_app`, since
the service imports nothing from ``checks``); this is where the toolkit's users import it from,
apart from the package so that the pytest plugin never imports aiohttp.
"""

from __future__ import annotations

from service.loopwatch.aiohttp_app import install_stall_report

__all__ = ["install_stall_report"]
