"""LW111 blocking-wait: one rule unit (description, message, examples).

A thread, lock, queue or concurrent future is waited for on the event loop.
"""

from __future__ import annotations

from loopwire.core.rule import Example, Expected, Fix, Rule, Safety
from loopwire.lint.rules.common import DIRECT_MESSAGE, Rewrite

RULE = Rule(
    code="LW111",
    slug="blocking-wait",
    summary="A thread, lock, queue or concurrent future is waited for on the event loop.",
    message=DIRECT_MESSAGE,
    rationale=(
        "Code that hands work to threads often waits for it the thread's way: "
        "`future.result()`, `thread.join()`, `event.wait()`, `lock.acquire()`, "
        "`queue.get()`. Each parks the loop's own thread until the other side is done, "
        "so nothing else runs, and the worker may itself be waiting for the loop: a "
        "deadlock. A call that asks not to wait (`acquire(blocking=False)`, "
        "`get(block=False)`, `result(timeout=0)`) is not reported, nor is `queue.put` "
        "(an unbounded queue never waits). flake8-async and ruff have no such rule."
    ),
    suggestion=(
        "await asyncio.wrap_future(future), asyncio.Event / asyncio.Queue, or await "
        "asyncio.to_thread(...)"
    ),
    fix=Fix(Safety.UNSAFE, Rewrite.TO_THREAD),
    valid=(
        Example(
            """
            import asyncio
            from concurrent.futures import ThreadPoolExecutor

            async def run(pool: ThreadPoolExecutor, job):
                return await asyncio.wrap_future(pool.submit(job))
            """,
        ),
        Example(
            """
            import queue

            async def drain(q: queue.Queue):
                while not q.empty():
                    yield q.get(block=False)
            """,
        ),
        Example(
            """
            import threading

            async def try_lock(lock: threading.Lock):
                return lock.acquire(blocking=False)
            """,
        ),
        Example(
            """
            import asyncio

            async def consume(q: asyncio.Queue):
                return await q.get()
            """,
        ),
    ),
    invalid=(
        Example(
            """
            from concurrent.futures import ThreadPoolExecutor

            async def run(job):
                with ThreadPoolExecutor() as pool:
                    return pool.submit(job).result()
            """,
            expected=(Expected(5, 16, "future.result"),),
        ),
        Example(
            """
            import threading

            async def stop(worker: threading.Thread):
                worker.join()
            """,
            expected=(Expected(4, 5, "worker.join"),),
        ),
        Example(
            """
            import threading

            async def wait_ready():
                ready = threading.Event()
                ready.wait(5)
            """,
            expected=(Expected(5, 5, "ready.wait"),),
        ),
        Example(
            """
            import asyncio

            async def call_other_loop(coro, loop):
                return asyncio.run_coroutine_threadsafe(coro, loop).result()
            """,
            expected=(Expected(4, 12, "future.result"),),
        ),
        Example(
            """
            import threading

            async def handle(done: threading.Event):
                done.wait()
            """,
            expected=(Expected(4, 5, "done.wait"),),
            replacement="""
            import asyncio
            import threading

            async def handle(done: threading.Event):
                await asyncio.to_thread(done.wait)
            """,
        ),
    ),
)
