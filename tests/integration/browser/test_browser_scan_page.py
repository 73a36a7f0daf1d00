"""The service's page in headless Chromium: the bar really moves, Cancel really stops the scan.

Third depth of the wiring check: the service may produce ``progress`` and the page may still
not show it. The negative control serves the page a copy of its script that ignores ``progress``
(the original bug, made by Playwright here, never by a switch in the product), and the same
assertion helper used by the first test must fail. The polling tests take ``EventSource`` away
from the browser, as an old browser or a proxy that breaks streams would.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser

from loopwire.wiring.observed.browser import assert_progress_bar_moved
from loopwire.wiring.pytest_wiring import WiringRecorder
from tests.integration.browser.conftest import ServeMedia
from tests.integration.browser.scan_page import FINISHED, ScanPage

pytestmark = [pytest.mark.integration, pytest.mark.needs_browser]

# The same page over scans probed in the service or by an arq worker (see conftest).
BOTH_BACKENDS = pytest.mark.parametrize("backend", ["embedded", "redis"])

# The line of the page's script that reads the field; the negative control breaks exactly it.
READS_PROGRESS = "const progress = job.progress;"


def ignore_progress(script: str) -> str:
    """The page's script with the original bug: the bar never looks at ``progress``."""
    assert READS_PROGRESS in script, "app.js changed: update the negative control's rewrite"
    return script.replace(READS_PROGRESS, "const progress = null;")


@BOTH_BACKENDS
def test_progress_bar_moves_through_a_real_scan(
    browser: Browser, serve_media: ServeMedia, wiring_recorder: WiringRecorder
) -> None:
    served = serve_media(count=8, delay=0.4, broken=1)
    page = ScanPage.open(browser, served.base_url)
    try:
        job_id = page.start_scan(str(served.media))
        assert page.wait_for_status(*FINISHED) == "completed"
        assert_progress_bar_moved(page.bar_values())
        assert page.page.text_content("#progress-text") == "100%"
        assert page.page.text_content("#transport") == "live (server-sent events)"
        # Time left counted down and ended as "less than a second", never "about 0 s" while
        # files were left (a sub-second estimate used to round to 0).
        etas = page.eta_texts()
        assert "less than a second" in etas, etas
        assert "about 0 s" not in etas, etas
        assert any(re.fullmatch(r"about [1-9]\d* s", text) for text in etas), etas
        # Seven videos and one per-file error, each a row of the result table.
        assert sorted(page.result_paths()) == [str(f) for f in served.files]
        assert page.page.locator("#results tbody tr.failed").count() == 1
        # People read labels, paths relative to the scanned folder and sentences for errors.
        assert page.status_label() == "Completed"
        first = page.page.locator("#results tbody tr td.path").first
        assert (first.text_content(), first.get_attribute("title")) == (
            "clip00.mp4",
            str(served.files[1]),
        )
        problem = page.page.locator("#results tbody tr.failed td.problem")
        assert problem.locator("small.code").text_content() == "probe_failed"
        assert (problem.text_content() or "").startswith("ffprobe could not read this file.")
        job = served.get_json(f"/api/v1/jobs/{job_id}")
        assert (job["status"], job["progress"], job["files_done"]) == ("completed", 1.0, 8)
        assert job["files_failed"] == 1
        # Every progress event the page got, plus its fetches, go to the dynamic wiring check.
        assert page.feed_wiring(wiring_recorder) >= 8
    finally:
        page.close()


def test_polling_fallback_moves_the_bar_too(
    browser: Browser, serve_media: ServeMedia, wiring_recorder: WiringRecorder
) -> None:
    served = serve_media(count=8, delay=0.5)
    page = ScanPage.open(browser, served.base_url, polling=True)
    try:
        page.start_scan(str(served.media))
        assert page.wait_for_status(*FINISHED) == "completed"
        assert page.page.text_content("#transport") == "polling"
        assert_progress_bar_moved(page.bar_values())
        page.feed_wiring(wiring_recorder)
    finally:
        page.close()


@BOTH_BACKENDS
def test_cancel_stops_the_scan_and_its_ffprobe(
    browser: Browser, serve_media: ServeMedia, wiring_recorder: WiringRecorder
) -> None:
    # After the first file every probe hangs until it is killed: only the service's kill of the
    # probe's process group can end it, so a cancel that merely stops waiting fails here.
    served = serve_media(count=12, delay=0.3, hanging=11)
    page = ScanPage.open(browser, served.base_url)
    try:
        job_id = page.start_scan(str(served.media))
        # One file done means the next (hanging) probe has just started: Cancel lands mid-probe.
        page.wait_for_bar_above(0)
        served.wait_for_hanging_probe()
        page.cancel()
        assert page.wait_for_status(*FINISHED, timeout=10) == "cancelled"
        assert page.status_label() == "Cancelled — partial results below"
        assert served.get_json(f"/api/v1/jobs/{job_id}")["status"] == "cancelled"
        assert page.page.is_disabled("#cancel")

        deadline = time.monotonic() + 10
        while served.fake.alive_pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert served.fake.alive_pids() == [], "an ffprobe process outlived the cancel"
        started = len(served.fake.invocations())
        assert 2 <= started < len(served.files)
        time.sleep(1.0)
        assert len(served.fake.invocations()) == started, "probing went on after the cancel"
        page.feed_wiring(wiring_recorder)
    finally:
        page.close()


@pytest.mark.parametrize("polling", [False, True], ids=["sse", "polling"])
def test_reload_mid_scan_reattaches_to_the_running_job(
    browser: Browser, serve_media: ServeMedia, wiring_recorder: WiringRecorder, polling: bool
) -> None:
    served = serve_media(count=10, delay=0.6)
    page = ScanPage.open(browser, served.base_url, polling=polling)
    try:
        job_id = page.start_scan(str(served.media))
        page.wait_for_bar_above(0)
        page.reload()
        # The page found the running job by itself: same job, live, and no second Start.
        assert page.job_id() == job_id
        assert page.wait_for_status("running", timeout=10) == "running"
        assert page.page.is_enabled("#cancel")
        assert page.page.is_disabled("#start")
        assert page.wait_for_status(*FINISHED) == "completed"
        # Recorded only since the reload: the bar kept moving there, without starting over.
        values = page.bar_values()
        assert_progress_bar_moved(values)
        assert min(v for v in values if v > 0) >= 10, f"the bar started over: {values}"
        assert len(page.result_paths()) == len(served.files)
        assert [job["id"] for job in served.get_json("/api/v1/jobs")["jobs"]] == [job_id]
        page.feed_wiring(wiring_recorder)

        # Reloading after the end shows the finished job and its results, ready for a new scan.
        page.reload()
        assert page.wait_for_status(*FINISHED, timeout=10) == "completed"
        assert page.job_id() == job_id
        assert len(page.result_paths()) == len(served.files)
        assert page.page.text_content("#progress-text") == "100%"
        page.page.wait_for_selector("#start:enabled", timeout=10_000)
    finally:
        page.close()


def test_negative_control_page_ignoring_progress_fails_the_bar_check(
    browser: Browser, serve_media: ServeMedia
) -> None:
    served = serve_media(count=8, delay=0.4)
    page = ScanPage.open(browser, served.base_url, edit_app_js=ignore_progress)
    try:
        job_id = page.start_scan(str(served.media))
        assert page.wait_for_status(*FINISHED) == "completed"
        values = page.bar_values()
        with pytest.raises(AssertionError, match="0 distinct values strictly between 0% and 100%"):
            assert_progress_bar_moved(values)
        # The service did its part; only the page dropped the field.
        assert served.get_json(f"/api/v1/jobs/{job_id}")["progress"] == 1.0
    finally:
        page.close()
