"""LW110 transitive-blocking-call: one rule unit (description, message, examples).

An async function calls a sync project function that reaches a blocking call.
"""

from __future__ import annotations

from loopwire.core.rule import Example, Expected, Fix, Rule, Safety
from loopwire.lint.rules.common import TRANSITIVE_MESSAGE, Rewrite

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
        "call and is not reported. Calls through `self`, `cls` and `super()` go where the "
        "class's MRO sends them: an async override in a subclass or mixin is what runs. A "
        "helper decorated to run in a worker thread (`@work(thread=True)`, "
        "`sync_to_async`, `asyncify`, the project's `offload-decorators`) or memoised "
        "without arguments is not followed. A `noqa` on a helper's signature (`def` "
        "through the colon), or on its blocking line, covers every chain through it. The "
        "fix does not touch a call of a "
        "generator function or a context-manager factory, nor a call a `with` enters: "
        "only the lazy object would be built in the thread, so it stays reported, and its "
        "message asks for an async version (or the whole block in a thread) instead. A "
        "blocking call under `isinstance(param, T)` is followed only through calls that "
        "may pass a T: a caller passing `None`, another literal, or a value an enclosing "
        "`isinstance` narrowed to another class does not reach it. `urlopen` of a local "
        "string checked to start with `data:` (in the `if`, or after an early exit on the "
        "negated check) is decoded in memory and starts no chain."
    ),
    suggestion="await asyncio.to_thread(helper, ...)",
    fix=Fix(Safety.UNSAFE, Rewrite.TO_THREAD),
    valid=(
        Example(
            """
            import os

            class Store:
                def size(self, path):
                    return os.stat(path).st_size

            class AsyncStore(Store):
                async def size(self, path):
                    return 0

                async def total(self, paths):
                    return [await self.size(p) for p in paths]
            """,
            title="The subclass's async override is what self.size runs.",
        ),
        Example(
            """
            import time
            from textual import work

            @work(thread=True)
            def load():
                time.sleep(1)

            def refresh():  # noqa: LW110
                time.sleep(0.01)

            async def on_mount():
                await load().wait()
                refresh()
            """,
            title="Run in a worker thread; a helper accepted once on its def line.",
        ),
        Example(
            """
            import time
            import tasks

            @tasks.in_worker
            def export():
                time.sleep(1)

            async def handle():
                await export()
            """,
            title="The project's own offloading decorator, named in offload-decorators.",
            config={"offload-decorators": ["tasks.in_worker"]},
        ),
        Example(
            """
            import asyncio, subprocess

            def probe(path):
                return subprocess.run(['ffprobe', path])

            async def scan(path):
                return await asyncio.to_thread(probe, path)
            """,
        ),
        Example(
            """
            class Upload:
                pass

            def metadata(file):
                if isinstance(file, str):
                    with open(file, 'rb') as stream:
                        return stream.read(16)
                return None

            async def describe(item):
                if isinstance(item, Upload):
                    return metadata(item)
                return metadata(None)
            """,
            title="The helper opens only a str; this caller never passes one.",
        ),
        Example(
            """
            import urllib.request

            def decode(uri):
                if not uri.startswith('data:'):
                    raise ValueError(uri)
                with urllib.request.urlopen(uri) as reply:
                    return reply.read()

            async def avatar(uri):
                return decode(uri)
            """,
            title="urlopen of a string checked to be a data: URL decodes it in memory.",
        ),
    ),
    invalid=(
        Example(
            """
            import urllib.request

            def decode(uri, strict):
                if strict and not uri.startswith('data:'):
                    raise ValueError(uri)
                with urllib.request.urlopen(uri) as reply:
                    return reply.read()

            async def avatar(uri):
                return decode(uri, False)
            """,
            title="A check that may be skipped does not make the URL a data: one.",
            expected=(Expected(10, 12, "decode"),),
        ),
        Example(
            """
            def metadata(file):
                if isinstance(file, str):
                    with open(file, 'rb') as stream:
                        return stream.read(16)
                return None

            async def describe(path):
                return metadata(path)
            """,
            expected=(Expected(8, 12, "metadata"),),
            title="A caller that may pass a str reaches the open.",
        ),
        Example(
            """
            import os

            class Store:
                def size(self, path):
                    return os.stat(path).st_size

            class CachedStore(Store):
                async def size(self, path):
                    return super().size(path)
            """,
            title="super() follows the base class's method.",
            expected=(Expected(9, 16, "Store.size"),),
        ),
        Example(
            """
            from contextlib import contextmanager

            @contextmanager
            def opened(path):
                with open(path) as handle:
                    yield handle

            async def first_line(path):
                with opened(path) as handle:
                    return handle.readline()
            """,
            title="A context-manager factory: the fix leaves it alone, it stays reported.",
            expected=(Expected(9, 10, "opened"),),
            replacement="""
            from contextlib import contextmanager

            @contextmanager
            def opened(path):
                with open(path) as handle:
                    yield handle

            async def first_line(path):
                with opened(path) as handle:
                    return handle.readline()
            """,
        ),
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
