"""Drive the service's scan page in a real browser and collect what it showed and received.

The page object hides selectors and waits; the recordings come from loopwire's browser helpers
(:mod:`loopwire.wiring.observed.browser`), installed before the page's own scripts run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, Route, ViewportSize

from loopwire.harness.client import FINISHED as FINISHED_STATUSES
from loopwire.wiring.observed.browser import API_RECORDER_JS, PROGRESS_BAR_RECORDER_JS
from loopwire.wiring.pytest_wiring import WiringRecorder

FINISHED = tuple(sorted(FINISHED_STATUSES))
# Every text the "Time left" cell shows, in order, in ``window.__etaTexts``.
ETA_RECORDER_JS = """
(() => {
  const texts = (window.__etaTexts = []);
  document.addEventListener("DOMContentLoaded", () => {
    const eta = document.getElementById("eta");
    const record = () => texts.push(eta.textContent);
    new MutationObserver(record).observe(eta, {
      childList: true,
      characterData: true,
      subtree: true,
    });
  });
})();
"""


@dataclass
class ScanPage:
    context: BrowserContext
    page: Page
    base_url: str

    @classmethod
    def open(
        cls,
        browser: Browser,
        base_url: str,
        *,
        polling: bool = False,
        edit_app_js: Callable[[str], str] | None = None,
        viewport: ViewportSize | None = None,
    ) -> ScanPage:
        """Open the page. ``polling``: the browser has no ``EventSource``, so the page must fall
        back to polling; ``edit_app_js``: the page runs this rewrite of its script (a broken page
        for a negative control, made here, never by a switch in the product)."""
        context = browser.new_context(viewport=viewport)
        context.add_init_script(PROGRESS_BAR_RECORDER_JS)
        context.add_init_script(API_RECORDER_JS)
        context.add_init_script(ETA_RECORDER_JS)
        if polling:
            context.add_init_script("delete window.EventSource;")
        if edit_app_js is not None:
            rewrite = edit_app_js

            def serve_edited(route: Route) -> None:
                original = route.fetch()
                route.fulfill(response=original, body=rewrite(original.text()))

            context.route("**/static/app.js", serve_edited)
        page = context.new_page()
        scan_page = cls(context=context, page=page, base_url=base_url)
        page.goto(f"{base_url}/")
        page.wait_for_selector("#start:enabled", timeout=15_000)
        return scan_page

    def reload(self) -> None:
        """Reload the page; the recorders start over (they are init scripts of the context)."""
        self.page.reload()
        self.page.wait_for_selector("#status[data-job-id]", timeout=15_000)

    def start_scan(self, folder: str) -> str:
        """Choose ``folder``, press Start and return the id of the job the page follows."""
        self.page.select_option("#folder", folder)
        self.page.click("#start")
        self.page.wait_for_selector("#status[data-job-id]", timeout=15_000)
        job_id = self.page.get_attribute("#status", "data-job-id")
        assert job_id
        return job_id

    def wait_for_status(self, *statuses: str, timeout: float = 30.0) -> str:
        self.page.wait_for_function(
            "statuses => statuses.includes(document.getElementById('status').dataset.status)",
            arg=list(statuses or FINISHED),
            timeout=timeout * 1000,
        )
        return self.status()

    def wait_for_bar_above(self, percent: float, timeout: float = 30.0) -> None:
        self.page.wait_for_function(
            "p => window.__loopwireBar.some(v => v > p)", arg=percent, timeout=timeout * 1000
        )

    def status(self) -> str:
        """The raw API status the page shows (``data-status``), not its human label."""
        return self.page.get_attribute("#status", "data-status") or ""

    def status_label(self) -> str:
        return self.page.text_content("#status") or ""

    def job_id(self) -> str:
        return self.page.get_attribute("#status", "data-job-id") or ""

    def cancel(self) -> None:
        self.page.click("#cancel")

    def bar_values(self) -> list[float]:
        values: list[float] = self.page.evaluate("window.__loopwireBar")
        return values

    def eta_texts(self) -> list[str]:
        texts: list[str] = self.page.evaluate("window.__etaTexts")
        return texts

    def result_paths(self) -> list[str]:
        paths: list[str] = self.page.eval_on_selector_all(
            "#results tbody tr", "rows => rows.map(row => row.dataset.path)"
        )
        return paths

    def feed_wiring(self, recorder: WiringRecorder) -> int:
        """Give the dynamic wiring check every API document the page received; return how many.

        Fed in the order the page received them, so per-job monotonicity is judged on what the
        user saw; the scope keeps this server's job ids apart from other servers'.
        """
        received: list[dict[str, Any]] = self.page.evaluate("window.__loopwireReceived")
        scope = f"{recorder.scope}@{self.base_url}"
        api = [entry for entry in received if entry["path"].startswith("/api/")]
        for entry in sorted(api, key=lambda entry: float(entry["t"])):
            recorder.observe(
                entry["path"],
                json.loads(entry["data"]),
                method=entry["method"],
                status=entry["status"],
                event=entry["event"],
                scope=scope,
            )
        return len(api)

    def close(self) -> None:
        self.context.close()
