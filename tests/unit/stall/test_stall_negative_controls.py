"""Negative controls: stalls the linter cannot see fail their test under the guard, naming the
line; async code that does not block passes.

Each case runs as an inner pytest session with ``--loopwire-stall=50ms``: the stall lasts four to
five times the threshold, and the assertions are on outcome and attribution, not on timing.
"""

from __future__ import annotations

import pytest

from tests.unit.stall.stall_sessions import line_of, run_guarded

pytest_plugins = ["pytester"]

BLOCKING = """
import asyncio
import select
import time

HOOKS = {"per_file": time.sleep}


async def test_sleep_through_a_dict():
    await asyncio.sleep(0)
    HOOKS["per_file"](0.2)  # culprit: dict


async def test_cpu_loop():
    end = time.monotonic() + 0.25
    while time.monotonic() < end:  # culprit: cpu
        pass


async def test_select_wait():
    select.select([], [], [], 0.2)  # culprit: select
"""

NOT_BLOCKING = """
import asyncio
import time


async def test_sleep_in_a_thread():
    await asyncio.to_thread(time.sleep, 0.2)


async def test_plain_awaits():
    for _ in range(4):
        await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.sleep(0.1), timeout=5)
"""


def test_blocking_tests_fail_with_their_own_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_blocking=BLOCKING)
    result = run_guarded(pytester, "--loopwire-stall=50ms")
    result.assert_outcomes(failed=3)
    output = result.stdout.str()
    for test, culprit in [
        ("test_sleep_through_a_dict", "dict"),
        ("test_cpu_loop", "cpu"),
        ("test_select_wait", "select"),
    ]:
        site = f"test_blocking.py:{line_of(BLOCKING, f'culprit: {culprit}')} {test}"
        assert f"at {site} (" in output, (site, output)
    # The ranking at the end of the run lists each site.
    summary = output.split("loopwire stall guard ==")[-1]
    assert "test_blocking.py:" in summary
    assert summary.count("failed") >= 3


def test_code_that_awaits_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_awaiting=NOT_BLOCKING)
    result = run_guarded(pytester, "--loopwire-stall=50ms")
    result.assert_outcomes(passed=2)
    assert "no event loop stalled past the threshold (50 ms)" in result.stdout.str()


def test_without_a_threshold_the_guard_is_off(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_blocking=BLOCKING)
    result = run_guarded(pytester)
    result.assert_outcomes(passed=3)


OTHER_LOOPS = """
import asyncio
import time
import unittest

from aiohttp import web


class TestWithUnittest(unittest.IsolatedAsyncioTestCase):
    async def test_stalls(self):
        time.sleep(0.2)  # culprit: unittest


def test_sync_test_running_a_loop():
    async def main():
        time.sleep(0.2)  # culprit: asyncio.run

    asyncio.run(main())


async def handler(request):
    time.sleep(0.2)  # culprit: aiohttp handler
    return web.json_response({})


async def test_aiohttp_server(aiohttp_client):
    app = web.Application()
    app.router.add_get("/", handler)
    client = await aiohttp_client(app)
    assert (await client.get("/")).status == 200
"""


def test_every_kind_of_loop_is_watched(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_loops=OTHER_LOOPS)
    result = run_guarded(pytester, "--loopwire-stall=50ms")
    result.assert_outcomes(failed=3)
    output = result.stdout.str()
    for function, culprit in [
        ("test_stalls", "unittest"),
        ("main", "asyncio.run"),
        ("handler", "aiohttp handler"),
    ]:
        assert f"test_loops.py:{line_of(OTHER_LOOPS, f'culprit: {culprit}')} {function}" in output
