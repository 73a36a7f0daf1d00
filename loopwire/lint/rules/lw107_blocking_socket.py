"""LW107 blocking-socket: blocking socket I/O, name lookups and sync network clients on the loop."""

from __future__ import annotations

from loopwire.core.rule import Example, Expected, Fix, Rule, Safety
from loopwire.lint.rules.common import DIRECT_MESSAGE, Rewrite

RULE = Rule(
    code="LW107",
    slug="blocking-socket",
    summary="Blocking socket I/O, a name lookup or a sync network client on the event loop.",
    message=DIRECT_MESSAGE,
    rationale=(
        "`socket.create_connection` and `socket.getaddrinfo` wait for the network (DNS "
        "can take seconds), and so do the methods of a blocking `socket.socket` "
        "(`connect`, `recv`, `sendall`, ...; not after `setblocking(False)`), "
        "`select.select` with a timeout, and the sync clients of other protocols: smtplib "
        "(aiosmtplib), ftplib (aioftp), paramiko (asyncssh), websocket-client (websockets). "
        "Each message names the async replacement."
    ),
    suggestion="asyncio.open_connection / loop.getaddrinfo",
    fix=Fix(Safety.UNSAFE, Rewrite.TO_THREAD),
    valid=(
        Example(
            """
            import asyncio
            import smtplib
            import socket

            async def relay(host):
                sock = socket.socket()
                sock.setblocking(False)
                await asyncio.get_running_loop().sock_connect(sock, (host, 25))
                sock.send(b'EHLO')
                return smtplib.SMTP()
            """,
            title="A socket set non-blocking never waits; SMTP() without a host connects nothing.",
        ),
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
            import smtplib
            import socket

            async def notify(host, message):
                sock = socket.socket()
                sock.connect((host, 25))
                sock.sendall(message)
                with smtplib.SMTP(host) as smtp:
                    smtp.send_message(message)
            """,
            title="Socket methods, and the stdlib's protocol clients (smtplib, ftplib).",
            expected=(
                Expected(6, 5, "sock.connect"),
                Expected(7, 5, "sock.sendall"),
                Expected(8, 10, "smtplib.SMTP"),
                Expected(9, 9, "smtp.send_message"),
            ),
        ),
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
