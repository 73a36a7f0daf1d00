"""The page runs a thumbnails job on one long video (real ffmpeg, paced at the video's own rate
so the 10 s video takes about 10 s): the bar and the time left move to 100%, the output is
listed. On a fake ffmpeg, the same bar check fails a page that ignores the job's ``progress``
(the negative control of the browser guard on frame jobs)."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from loopwire.harness.fake_program import Behaviour, write_fake_ffmpeg, write_fake_ffprobe
from loopwire.harness.fixtures import ServiceFactory
from loopwire.wiring.observed.browser import assert_progress_bar_moved
from tests.integration.browser.scan_page import FINISHED, ScanPage
from tests.integration.browser.test_browser_scan_page import ignore_progress
from tests.integration.service.test_service_frame_jobs import (
    SLOW_FFMPEG,
    UNKNOWN_TOTAL_FFPROBE,
    ffmpeg_pids,
    script,
)

pytestmark = [pytest.mark.integration, pytest.mark.needs_browser, pytest.mark.needs_ffmpeg]


def real_ffmpeg_service(tmp_path: Path, service_process: ServiceFactory) -> tuple[str, Path]:
    """The service over a generated 10 s video with the real ffmpeg, paced at the video's own
    rate (so the job takes about 10 s): its base URL and the video."""
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None or shutil.which("ffprobe") is None:
        pytest.skip("ffmpeg not installed: apt-get install ffmpeg")
    media = tmp_path / "media"
    media.mkdir()
    video = media / "long.mp4"
    subprocess.run(
        [
            *(ffmpeg, "-nostdin", "-v", "error", "-f", "lavfi"),
            *("-i", "testsrc=duration=10:size=96x64:rate=25", "-pix_fmt", "yuv420p"),
            *("-c:v", "libx264", str(video)),
        ],
        check=True,
        timeout=120,
    )
    paced = tmp_path / "ffmpeg-paced"
    paced.write_text(f'#!/bin/sh\nexec {ffmpeg} -re "$@"\n')
    paced.chmod(0o755)
    server = service_process(
        "--media-root", str(media), "--db", str(tmp_path / "service.db"), "--ffmpeg", str(paced)
    )
    assert server.base_url is not None
    return server.base_url, video.resolve()


def start_thumbnails(page: ScanPage, video: Path) -> None:
    page.page.fill("#video-file", str(video))
    page.page.fill("#every-seconds", "2")
    page.page.click("#start-thumbs")
    page.page.wait_for_selector("#status[data-job-id]", timeout=15_000)


def test_the_bar_and_time_left_of_a_thumbnails_job_move_to_100(
    browser: Browser, tmp_path: Path, service_process: ServiceFactory
) -> None:
    base_url, video = real_ffmpeg_service(tmp_path, service_process)
    page = ScanPage.open(browser, base_url)
    try:
        start_thumbnails(page, video)
        assert page.wait_for_status(*FINISHED, timeout=60) == "completed"
        assert_progress_bar_moved(page.bar_values())
        assert page.page.text_content("#progress-text") == "100%"
        etas = page.eta_texts()
        assert any(re.fullmatch(r"about [1-9]\d* s", text) for text in etas), etas
        assert page.page.text_content("#frames") is not None
        outputs = page.page.locator("#output-files li").all_text_contents()
        assert outputs
        assert all(text.endswith(".jpg") for text in outputs), outputs
    finally:
        page.close()


def test_cancelling_a_thumbnails_job_at_40_percent_from_the_page_leaves_no_ffmpeg_and_no_file(
    browser: Browser, tmp_path: Path, service_process: ServiceFactory
) -> None:
    base_url, video = real_ffmpeg_service(tmp_path, service_process)
    page = ScanPage.open(browser, base_url)
    try:
        start_thumbnails(page, video)
        page.wait_for_bar_above(40)
        page.cancel()
        assert page.wait_for_status(*FINISHED, timeout=30) == "cancelled"
        folder = video.parent / ".loopwire-output" / page.job_id()
    finally:
        page.close()
    assert ffmpeg_pids(str(folder)) == [], "ffmpeg outlived the cancel"
    assert not folder.exists(), f"partial output left: {list(folder.iterdir())}"


def test_without_a_frame_count_the_page_says_working_without_a_bar(
    browser: Browser, tmp_path: Path, service_process: ServiceFactory
) -> None:
    media = tmp_path / "media"
    media.mkdir()
    video = media / "clip.mkv"
    video.write_bytes(b"\0" * 16)
    server = service_process(
        "--media-root", str(media), "--db", str(tmp_path / "service.db"),
        "--ffprobe", script(tmp_path, "ffprobe", UNKNOWN_TOTAL_FFPROBE),
        "--ffmpeg", script(tmp_path, "ffmpeg", SLOW_FFMPEG),
    )  # fmt: skip
    assert server.base_url is not None
    page = ScanPage.open(browser, server.base_url)
    try:
        page.page.fill("#video-file", str(video.resolve()))
        page.page.click("#start-thumbs")
        page.page.wait_for_function(
            "document.getElementById('frames').textContent.includes(' of ?')", timeout=15_000
        )
        assert page.page.text_content("#progress-text") == "working"
        assert page.page.locator("#progress").is_hidden()
        assert page.wait_for_status(*FINISHED, timeout=30) == "completed"
        assert page.page.locator("#progress").is_visible()
        assert page.page.text_content("#progress-text") == "100%"
        # The bar never showed a made-up position while the total was unknown.
        assert set(page.bar_values()) <= {0, 100}, page.bar_values()
    finally:
        page.close()


def run_on_fake_ffmpeg(
    browser: Browser,
    tmp_path: Path,
    service_process: ServiceFactory,
    edit_app_js: Callable[[str], str] | None = None,
) -> list[float]:
    """A thumbnails job started from the page on a fake ffmpeg that reports 75 frames over
    3 s (its fake ffprobe gives the same count at once); the bar's values, once completed."""
    media = tmp_path / "media"
    media.mkdir()
    video = media / "clip.mp4"
    video.write_bytes(b"\0" * 16)
    shape = Behaviour(delay=3.0, duration=3.0, frame_rate="25")
    count = dataclasses.replace(shape, delay=0.0)
    server = service_process(
        "--media-root", str(media), "--db", str(tmp_path / "service.db"),
        "--ffprobe", str(write_fake_ffprobe(tmp_path / "probe", default=count).executable),
        "--ffmpeg", str(write_fake_ffmpeg(tmp_path / "ffmpeg", default=shape).executable),
    )  # fmt: skip
    assert server.base_url is not None
    page = ScanPage.open(browser, server.base_url, edit_app_js=edit_app_js)
    try:
        page.page.fill("#video-file", str(video.resolve()))
        page.page.click("#start-thumbs")
        page.page.wait_for_selector("#status[data-job-id]", timeout=15_000)
        assert page.wait_for_status(*FINISHED, timeout=30) == "completed"
        return page.bar_values()
    finally:
        page.close()


def test_the_bar_of_a_frame_job_moves_on_fake_ffmpeg_progress(
    browser: Browser, tmp_path: Path, service_process: ServiceFactory
) -> None:
    assert_progress_bar_moved(run_on_fake_ffmpeg(browser, tmp_path, service_process))


def test_negative_control_a_page_ignoring_a_frame_jobs_progress_fails_the_bar_check(
    browser: Browser, tmp_path: Path, service_process: ServiceFactory
) -> None:
    values = run_on_fake_ffmpeg(browser, tmp_path, service_process, edit_app_js=ignore_progress)
    with pytest.raises(AssertionError, match="0 distinct values strictly between 0% and 100%"):
        assert_progress_bar_moved(values)
