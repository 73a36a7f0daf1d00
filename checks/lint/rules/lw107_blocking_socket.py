"""LW107 blocking-socket: A blocking socket connect or name lookup on the event loop."""

from __future__ import annotations

from checks.core.rule import Example, Expected, Fix, Rule, Safety
from checks.lint.rules.common import DIRECT_MESSAGE, Rewrite

RULE = Rule(
    code="LW107",
    slug="blocking-socket",
    summary="A blocking socket connect or name lookup on the event loop.",
    message=DIRECT_MESSAGE,
    rationale=(
        "`socket.create_connection` and `socket.getaddrinfo` wait for the network (DNS "
        "can take seconds)."
    ),
    suggestion="asyncio.open_connection / loop.getaddrinfo",
    fix=Fix(Safety.UNSAFE, Rewrite.TO_THREAD),
    valid=(
        Example(
            """
            import asyncio

            async def connect(host):
                return await asyncio.open_connection(host, 80)
            """,
        ),
    ),
    invalid=(
        Example(
            """
            import socket

            async def connect(host):
                return socket.create_connection((host, 80))
            """,
            expected=(Expected(4, 12, "socket.create_connection"),),
            replacement="""
            import asyncio
            import socket

            async def connect(host):
                return await asyncio.to_thread(socket.create_connection, (host, 80))
            """,
        ),
    ),
)
