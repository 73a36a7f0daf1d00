"""``--stall-report``: the service's flag, the aiohttp helper's log, and the harness's reading."""

from __future__ import annotations

import inspect
import logging
import time

import pytest
from aiohttp import web
from pytest_aiohttp import AiohttpClient

from loopwire.harness.stall_log import stall_sites
from loopwire.loopwatch.aiohttp_app import NOT_COUNTED, STALL_LOGGER, install_stall_report
from service.__main__ import parse_args


def test_the_flag_reaches_the_config_in_seconds() -> None:
    assert parse_args(["--media-root", "/m", "--stall-report", "50"]).stall_report == 0.05
    assert parse_args(["--media-root", "/m"]).stall_report is None


@pytest.mark.parametrize("value", ["0", "-5", "soon"])
def test_bad_thresholds_are_usage_errors(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(["--media-root", "/m", "--stall-report", value])
    assert exited.value.code == 2
    assert "--stall-report" in capsys.readouterr().err


async def blocking_handler(request: web.Request) -> web.Response:
    time.sleep(0.2)  # noqa: ASYNC251 -- the stall the app's own report must name
    return web.json_response({})


BLOCKING_LINE = inspect.getsourcelines(blocking_handler)[1] + 1


@pytest.mark.loopwire_stall(allow=True, reason="the handler blocks so the app's report names it")
async def test_an_app_logs_its_stall_with_the_line(
    aiohttp_client: AiohttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    app = web.Application()
    app.router.add_get("/", blocking_handler)
    install_stall_report(app, 0.05)
    client = await aiohttp_client(app)
    with caplog.at_level(logging.WARNING, logger=STALL_LOGGER):
        assert (await client.get("/")).status == 200
    reports = [r.getMessage() for r in caplog.records if r.name == STALL_LOGGER]
    site = f"tests/unit/stall/test_stall_service_report.py:{BLOCKING_LINE} blocking_handler"
    assert any(f"at {site} (" in report for report in reports), reports
    assert stall_sites("\n".join(reports)) == [f"1 x up to {_ms(reports[0])} ms at {site}"]


def _ms(report: str) -> str:
    return report.split("event loop stalled ")[1].split(" ms")[0]


def test_harness_reads_counted_stalls_worst_first() -> None:
    output = "\n".join(
        [
            "x WARNING loopwatch.stall event loop stalled 80 ms (threshold 50 ms) at a.py:3 f (",
            '    File "a.py", line 3, in f',
            "x WARNING loopwatch.stall event loop stalled 300 ms (threshold 50 ms) at b.py:9 g (",
            "x WARNING loopwatch.stall event loop stalled 120 ms (threshold 50 ms) at a.py:3 f (",
            f"x INFO loopwatch.stall event loop stalled 900 ms (threshold 50 ms) at c.py:1 h "
            f"(1 of 1 samples agree) [thread T] {NOT_COUNTED}",
        ]
    )
    assert stall_sites(output) == ["1 x up to 300 ms at b.py:9 g", "2 x up to 120 ms at a.py:3 f"]
