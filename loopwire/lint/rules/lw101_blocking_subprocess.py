"""LW101 blocking-subprocess: A process is started or waited for synchronously on the event loop."""

from __future__ import annotations

from loopwire.core.rule import Example, Expected, Fix, Rule, Safety
from loopwire.lint.rules.common import DIRECT_MESSAGE, Rewrite

RULE = Rule(
    code="LW101",
    slug="blocking-subprocess",
    summary="A process is started or waited for synchronously on the event loop.",
    message=DIRECT_MESSAGE,
    rationale=(
        "`subprocess.run` and friends block the calling thread until the child exits; "
        "on the event loop that freezes every other task (status polling, timeouts, "
        "cancellation) for as long as the child runs. `os.spawn*` forks and execs on the "
        "loop like `subprocess.Popen` whatever its mode (flake8-async's ASYNC220 family), and "
        "with `P_WAIT` it also waits for the child."
    ),
    suggestion="asyncio.create_subprocess_exec(...) and await proc.communicate()",
    aliases=("ASYNC220", "ASYNC221", "ASYNC222"),
    fix=Fix(Safety.UNSAFE, Rewrite.TO_THREAD),
    valid=(
        Example(
            """
            import asyncio

            async def probe(path):
                proc = await asyncio.create_subprocess_exec('ffprobe', path)
                await proc.wait()
            """,
        ),
        Example(
            """
            import subprocess

            def probe(path):
                subprocess.run(['ffprobe', path])
            """,
        ),
        Example(
            """
            import asyncio, subprocess

            async def probe(path):
                await asyncio.to_thread(subprocess.run, ['ffprobe', path])
            """,
        ),
    ),
    invalid=(
        Example(
            """
            import subprocess

            async def probe(path):
                subprocess.run(['ffprobe', path])
            """,
            expected=(Expected(4, 5, "subprocess.run"),),
        ),
        Example(
            """
            import os

            async def start():
                os.spawnl(os.P_NOWAIT, '/bin/true', 'true')
            """,
            title="Not waiting for the child still forks and execs on the loop.",
            expected=(Expected(4, 5, "os.spawnl"),),
        ),
        Example(
            """
            import subprocess as sp

            async def probe(path):
                sp.check_output(['ls'])
            """,
            expected=(Expected(4, 5, "sp.check_output"),),
        ),
        Example(
            """
            from subprocess import Popen

            async def probe():
                proc = Popen(['ls'])
                proc.wait()
            """,
            expected=(
                Expected(4, 12, "Popen"),
                Expected(5, 5, "proc.wait"),
            ),
            replacement="""
            import asyncio
            from subprocess import Popen

            async def probe():
                proc = await asyncio.to_thread(Popen, ['ls'])
                await asyncio.to_thread(proc.wait)
            """,
        ),
        Example(
            """
            import os

            async def clean():
                os.system('rm -rf build')
            """,
            expected=(Expected(4, 5, "os.system"),),
        ),
        Example(
            """
            import subprocess

            async def probe(path):
                subprocess.run(['ffprobe', path], check=True)
            """,
            expected=(Expected(4, 5, "subprocess.run"),),
            replacement="""
            import asyncio
            import subprocess

            async def probe(path):
                await asyncio.to_thread(subprocess.run, ['ffprobe', path], check=True)
            """,
        ),
    ),
)
