"""LW110 transitive-blocking-call: one rule unit (description, message, examples).

An async function calls a sync project function that reaches a blocking call.
"""

from __future__ import annotations

from checks.core.rule import Example, Expected, Fix, Rule, Safety
from checks.lint.rules.common import TRANSITIVE_MESSAGE, Rewrite

RULE = Rule(
    code="LW110",
    slug="transitive-blocking-call",
    summary="An async function calls a sync project function that reaches a blocking call.",
    message=TRANSITIVE_MESSAGE,
    rationale=(
        "The usual shape of the real bug: `async def scan()` calls `probe(path)`, a "
        "plain function (maybe in another module) that runs `subprocess.run`. "
        "Direct-call linters miss it; loopwire follows calls into the project's own "
        "sync functions and methods (also through instances: `prober.probe()` with "
        "`prober: Prober`, `self.prober = Prober()`) at any depth and names the chain. "
        "Passing the helper to `asyncio.to_thread` or `loop.run_in_executor` is not a "
        "call and is not reported."
    ),
    suggestion="await asyncio.to_thread(helper, ...)",
    fix=Fix(Safety.UNSAFE, Rewrite.TO_THREAD),
    valid=(
        Example(
            """
            import asyncio, subprocess

            def probe(path):
                return subprocess.run(['ffprobe', path])

            async def scan(path):
                return await asyncio.to_thread(probe, path)
            """,
        ),
    ),
    invalid=(
        Example(
            """
            import subprocess

            async def scan(path):
                return probe(path)

            def probe(path):
                return subprocess.run(['ffprobe', path])
            """,
            expected=(Expected(4, 12, "probe"),),
            replacement="""
            import asyncio
            import subprocess

            async def scan(path):
                return await asyncio.to_thread(probe, path)

            def probe(path):
                return subprocess.run(['ffprobe', path])
            """,
        ),
        Example(
            """
            import time

            class Scanner:
                def _wait(self):
                    time.sleep(1)

                def _step(self):
                    self._wait()

                async def run(self):
                    self._step()
            """,
            expected=(Expected(11, 9, "Scanner._step"),),
        ),
        Example(
            """
            import subprocess

            class Prober:
                def probe(self, path):
                    return subprocess.run(['ffprobe', path])

            async def handle(prober: Prober, path):
                return prober.probe(path)
            """,
            expected=(Expected(8, 12, "Prober.probe"),),
        ),
        Example(
            """
            import time

            class Scanner:
                def _wait(self):
                    time.sleep(1)

                async def run(self):
                    self._wait()
                    return [self._wait() for _ in range(3)]
            """,
            expected=(
                Expected(8, 9, "Scanner._wait"),
                Expected(9, 17, "Scanner._wait"),
            ),
            replacement="""
            import asyncio
            import time

            class Scanner:
                def _wait(self):
                    time.sleep(1)

                async def run(self):
                    await asyncio.to_thread(self._wait)
                    return [await asyncio.to_thread(self._wait) for _ in range(3)]
            """,
        ),
    ),
)
