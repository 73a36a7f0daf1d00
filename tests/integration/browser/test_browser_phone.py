"""The scan page on a phone (390 px wide): nothing pushes the page sideways, and a fresh visit
says that the job it shows is an earlier one.

A screenshot of the finished scan at phone width is kept as an artifact
(``bench-results/screenshots/``, printed). The negative control puts back the bug the page had:
a results table that widens the whole page instead of scrolling in its own box.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize

from tests.integration.browser.conftest import ServeMedia
from tests.integration.browser.scan_page import FINISHED, ScanPage

pytestmark = [pytest.mark.integration, pytest.mark.needs_browser]

PHONE = ViewportSize(width=390, height=844)
# What the page looked like before the fix: the table and the folder list sized for a desk.
DESK_LAYOUT_CSS = ".table-scroll { overflow-x: visible; } select { width: 30rem; max-width: none; }"


def assert_fits_the_screen(page: Page) -> None:
    """No horizontal overflow: the document and the folder list fit the viewport's width."""
    widths: dict[str, float] = page.evaluate(
        """() => ({
            viewport: window.innerWidth,
            document: document.documentElement.scrollWidth,
            folder: document.getElementById("folder").getBoundingClientRect().right,
        })"""
    )
    assert widths["document"] <= widths["viewport"], f"page scrolls sideways: {widths}"
    assert widths["folder"] <= widths["viewport"], f"folder list cut off: {widths}"


def finished_scan_on_a_phone(page: ScanPage, media: Path) -> None:
    page.start_scan(str(media))
    assert page.wait_for_status(*FINISHED) == "completed"
    assert page.page.locator("#results tbody tr").count() > 0


def test_page_fits_a_phone_and_says_when_a_job_is_an_earlier_one(
    browser: Browser,
    serve_media: ServeMedia,
    pytestconfig: pytest.Config,
) -> None:
    served = serve_media(count=6, delay=0.1, broken=1)
    page = ScanPage.open(browser, served.base_url, viewport=PHONE)
    try:
        finished_scan_on_a_phone(page, served.media)
        assert_fits_the_screen(page.page)
        assert page.page.text_content("#job-origin") == ""
        shots = pytestconfig.rootpath / "bench-results" / "screenshots"
        shots.mkdir(parents=True, exist_ok=True)
        screenshot = shots / "scan-page-390px.png"
        page.page.screenshot(path=str(screenshot), full_page=True)
        print(f"\nphone screenshot: {screenshot}")

        # A fresh visit shows the last job, and says it is not one started from this visit.
        page.reload()
        assert page.wait_for_status(*FINISHED) == "completed"
        origin = page.page.text_content("#job-origin") or ""
        assert origin.startswith("Showing an earlier scan, started "), origin
        assert_fits_the_screen(page.page)
    finally:
        page.close()


def test_negative_control_a_page_wider_than_the_phone_fails(
    browser: Browser, serve_media: ServeMedia
) -> None:
    served = serve_media(count=4, delay=0.1)
    page = ScanPage.open(browser, served.base_url, viewport=PHONE)
    try:
        finished_scan_on_a_phone(page, served.media)
        page.page.add_style_tag(content=DESK_LAYOUT_CSS)
        with pytest.raises(AssertionError, match="page scrolls sideways"):
            assert_fits_the_screen(page.page)
    finally:
        page.close()
