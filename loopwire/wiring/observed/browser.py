"""The third depth of the wiring check: what a page really showed, and what it really received.

A field can be produced by the service and still never reach the user: the page may read the
wrong key, or ignore it. These pieces let a browser test (Playwright or anything that can run an
init script) prove the last hop:

- :data:`PROGRESS_BAR_RECORDER_JS` records, from before the page's own scripts run, every value a
  progress bar takes (``<progress value max>`` or ``role=progressbar`` with ``aria-valuenow``) as
  a percentage in ``window.__loopwireBar``; :func:`progress_bar_problems` judges that series;
- :data:`API_RECORDER_JS` records every JSON document the page received, from ``fetch`` and
  from Server-Sent Events, in ``window.__loopwireReceived`` (with a timestamp, so the order the
  page saw them in is kept), to be fed to the dynamic wiring check; the page's own handling is
  unchanged.

Nothing here imports a browser library; the scripts are plain JavaScript strings.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

PROGRESS_BAR_RECORDER_JS = """
(() => {
  const values = (window.__loopwireBar = []);
  const percent = (el) => {
    if (el.tagName === "PROGRESS") {
      if (!el.hasAttribute("value")) return null;
      return (100 * Number(el.getAttribute("value"))) / Number(el.getAttribute("max") || 1);
    }
    if (!el.hasAttribute("aria-valuenow")) return null;
    const min = Number(el.getAttribute("aria-valuemin") || 0);
    const max = Number(el.getAttribute("aria-valuemax") || 100);
    return (100 * (Number(el.getAttribute("aria-valuenow")) - min)) / (max - min);
  };
  const isBar = (el) =>
    el instanceof Element &&
    (el.tagName === "PROGRESS" || el.getAttribute("role") === "progressbar");
  const record = (el) => {
    const value = percent(el);
    if (value !== null && Number.isFinite(value)) values.push(value);
  };
  new MutationObserver((changes) => {
    for (const change of changes) if (isBar(change.target)) record(change.target);
  }).observe(document, {
    subtree: true,
    attributes: true,
    attributeFilter: ["value", "aria-valuenow"],
  });
  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("progress, [role=progressbar]").forEach(record);
  });
})();
"""

API_RECORDER_JS = """
(() => {
  const received = (window.__loopwireReceived = []);
  const pathOf = (url) => new URL(String(url), document.baseURI).pathname;
  const keep = (entry) => received.push({ t: performance.now(), ...entry });

  const originalFetch = window.fetch;
  window.fetch = async function (input, init) {
    const response = await originalFetch.call(this, input, init);
    const t = performance.now();
    const request = input instanceof Request ? input : null;
    const method = ((init && init.method) || (request ? request.method : "GET")).toUpperCase();
    if ((response.headers.get("content-type") || "").includes("json")) {
      response
        .clone()
        .text()
        .then((data) => {
          const path = pathOf(request ? request.url : input);
          received.push({ t, path, method, status: response.status, event: null, data });
        })
        .catch(() => {});
    }
    return response;
  };

  const OriginalEventSource = window.EventSource;
  if (typeof OriginalEventSource !== "function") return;
  window.EventSource = class extends OriginalEventSource {
    constructor(url, options) {
      super(url, options);
      this.__loopwireTypes = new Set();
      this.__loopwirePath = pathOf(url);
      this.__loopwireWatch("message");
    }
    __loopwireWatch(type) {
      if (this.__loopwireTypes.has(type)) return;
      this.__loopwireTypes.add(type);
      super.addEventListener(type, (event) => {
        const path = this.__loopwirePath;
        keep({ path, method: "GET", status: 200, event: type, data: event.data });
      });
    }
    addEventListener(type, listener, options) {
      this.__loopwireWatch(type);
      super.addEventListener(type, listener, options);
    }
  };
})();
"""


def progress_bar_problems(
    percents: Sequence[float], *, intermediate: int = 3, finished: bool = True
) -> list[str]:
    """What is wrong with the values a progress bar showed (empty list: it really moved).

    It must show at least ``intermediate`` distinct values strictly between 0 % and 100 %, never
    go backwards, and (when ``finished``) end at 100 %.
    """
    problems: list[str] = []
    between = sorted({round(p, 3) for p in percents if 0 < p < 100})
    if len(between) < intermediate:
        problems.append(
            f"the bar showed {len(between)} distinct values strictly between 0% and 100% "
            f"({between}); at least {intermediate} required"
        )
    backwards = [(a, b) for a, b in itertools.pairwise(percents) if b < a]
    if backwards:
        problems.append(f"the bar went backwards: {backwards[0][0]}% -> {backwards[0][1]}%")
    if finished and (not percents or percents[-1] != 100):
        last = f"{percents[-1]}%" if percents else "nothing"
        problems.append(f"the bar did not end at 100% (last value: {last})")
    return problems


def assert_progress_bar_moved(
    percents: Sequence[float], *, intermediate: int = 3, finished: bool = True
) -> None:
    """Raise ``AssertionError`` naming every problem of :func:`progress_bar_problems`."""
    problems = progress_bar_problems(percents, intermediate=intermediate, finished=finished)
    if problems:
        raise AssertionError(
            "progress bar did not show real progress: "
            + "; ".join(problems)
            + f" (values seen: {list(percents)})"
        )
