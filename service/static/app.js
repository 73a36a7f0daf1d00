// The scan page: pick a folder, start a scan, follow its progress, cancel it, show the results.
//
// Progress arrives as Server-Sent Events (GET /api/v1/jobs/{id}/events); if the stream fails
// the page falls back to polling GET /api/v1/jobs/{id}. Everything shown comes from the job JSON.
//
// Two query flags exist only for tests (they change nothing unless present in the URL):
//   ?lw-test-ignore-progress=1  draws the bar as if the API never sent `progress` — the bug the
//                               browser test must catch (its negative control);
//   ?lw-test-no-sse=1           skips the event stream, so the polling fallback is exercised.
"use strict";

(() => {
  const API = "/api/v1";
  const POLL_MS = 500;
  const FINISHED = new Set(["completed", "failed", "cancelled", "timed_out"]);
  const flags = new URLSearchParams(window.location.search);
  const ignoreProgress = flags.get("lw-test-ignore-progress") === "1";
  const noSse = flags.get("lw-test-no-sse") === "1";

  const $ = (id) => document.getElementById(id);
  const ui = {
    form: $("scan-form"),
    folder: $("folder"),
    recursive: $("recursive"),
    start: $("start"),
    cancel: $("cancel"),
    status: $("status"),
    bar: $("progress"),
    percent: $("progress-text"),
    files: $("files"),
    currentFile: $("current-file"),
    eta: $("eta"),
    transport: $("transport"),
    message: $("message"),
    rows: document.querySelector("#results tbody"),
    empty: $("results-empty"),
  };

  // The job being watched; `stop` ends whichever update channel (stream or timer) is open.
  let current = { id: null, stop: () => {} };

  async function api(method, path, body) {
    const response = await fetch(API + path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw new Error(error.message || `${method} ${path} failed with HTTP ${response.status}`);
    }
    return data;
  }

  function showError(text) {
    ui.message.textContent = text;
  }

  function formatSeconds(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const whole = Math.max(0, Math.round(seconds));
    if (whole < 60) return `${whole} s`;
    return `${Math.floor(whole / 60)} min ${whole % 60} s`;
  }

  function formatBytes(bytes) {
    if (bytes === null || bytes === undefined) return "–";
    const units = ["B", "kB", "MB", "GB", "TB"];
    let value = bytes;
    let unit = 0;
    while (value >= 1000 && unit < units.length - 1) {
      value /= 1000;
      unit += 1;
    }
    return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
  }

  function drawProgress(job) {
    const progress = ignoreProgress ? null : job.progress;
    if (progress === null || progress === undefined) {
      ui.bar.setAttribute("value", "0");
      ui.percent.textContent = "0%";
      return;
    }
    // Floor, so the bar shows 100% only when the service says the job is done.
    const percent = Math.min(100, Math.max(0, Math.floor(progress * 100)));
    ui.bar.setAttribute("value", String(percent));
    ui.percent.textContent = `${percent}%`;
  }

  function render(job) {
    drawProgress(job);
    ui.status.textContent = job.status;
    ui.status.dataset.status = job.status;
    ui.status.dataset.jobId = job.id;
    const total = job.files_total === null ? "?" : job.files_total;
    const failed = job.files_failed ? `, ${job.files_failed} failed` : "";
    ui.files.textContent = `${job.files_done} of ${total}${failed}`;
    ui.currentFile.textContent = job.current_file || "–";
    ui.eta.textContent = FINISHED.has(job.status) ? "–" : formatSeconds(job.eta_seconds);
    if (job.error) showError(`${job.error.code}: ${job.error.message}`);
    if (FINISHED.has(job.status)) finish(job);
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function renderResults(result) {
    ui.rows.replaceChildren();
    const videos = (result && result.videos) || [];
    const errors = (result && result.errors) || [];
    for (const video of videos) {
      const row = ui.rows.insertRow();
      row.dataset.path = video.path;
      const size = video.width && video.height ? ` ${video.width}×${video.height}` : "";
      cell(row, video.path, "path");
      cell(row, video.format_name);
      cell(row, formatSeconds(video.duration_seconds));
      cell(row, formatBytes(video.size_bytes));
      cell(row, (video.video_codec || "–") + size);
      cell(row, video.audio_codec || "–");
      cell(row, "");
    }
    for (const error of errors) {
      const row = ui.rows.insertRow();
      row.className = "failed";
      row.dataset.path = error.path;
      cell(row, error.path, "path");
      for (let i = 0; i < 5; i += 1) cell(row, "");
      cell(row, `${error.code}: ${error.message}`);
    }
    ui.empty.hidden = videos.length + errors.length > 0;
  }

  function finish(job) {
    if (job.id !== current.id) return;
    current.stop();
    current = { id: null, stop: () => {} };
    renderResults(job.result);
    ui.cancel.disabled = true;
    ui.start.disabled = false;
  }

  function poll(id) {
    ui.transport.textContent = "polling";
    let timer = null;
    let stopped = false;
    const tick = async () => {
      try {
        const job = await api("GET", `/jobs/${encodeURIComponent(id)}`);
        if (!stopped) render(job);
      } catch (error) {
        showError(error.message);
      }
      if (!stopped) timer = window.setTimeout(tick, POLL_MS);
    };
    current.stop = () => {
      stopped = true;
      window.clearTimeout(timer);
    };
    tick();
  }

  function follow(id) {
    if (noSse || typeof EventSource === "undefined") {
      poll(id);
      return;
    }
    ui.transport.textContent = "live (server-sent events)";
    const source = new EventSource(`${API}/jobs/${encodeURIComponent(id)}/events`);
    const onEvent = (event) => render(JSON.parse(event.data));
    source.addEventListener("progress", onEvent);
    source.addEventListener("end", (event) => {
      source.close();
      onEvent(event);
    });
    source.onerror = () => {
      // The stream broke before its "end" event: keep following the job by polling.
      source.close();
      if (current.id === id) poll(id);
    };
    current.stop = () => source.close();
  }

  async function startScan(event) {
    event.preventDefault();
    showError("");
    ui.start.disabled = true;
    try {
      const job = await api("POST", "/scans", {
        path: ui.folder.value,
        recursive: ui.recursive.checked,
      });
      current.stop();
      current = { id: job.id, stop: () => {} };
      ui.rows.replaceChildren();
      ui.empty.hidden = false;
      ui.cancel.disabled = false;
      render(job);
      if (current.id === job.id) follow(job.id);
    } catch (error) {
      showError(error.message);
      ui.start.disabled = false;
    }
  }

  async function cancelScan() {
    const id = current.id;
    if (id === null) return;
    ui.cancel.disabled = true;
    try {
      render(await api("POST", `/jobs/${encodeURIComponent(id)}/cancel`));
    } catch (error) {
      // Typically 409: the job finished on its own meanwhile; the update channel shows it.
      showError(error.message);
    }
  }

  async function loadFolders() {
    try {
      const data = await api("GET", "/folders");
      ui.folder.replaceChildren(
        ...data.folders.map((path) => new Option(path, path, false, path === data.roots[0])),
      );
      ui.folder.disabled = data.folders.length === 0;
      ui.start.disabled = data.folders.length === 0;
      if (data.folders.length === 0) showError("No media folders are configured.");
    } catch (error) {
      ui.folder.replaceChildren(new Option("(folders unavailable)", ""));
      showError(`Could not load folders: ${error.message}`);
    }
  }

  ui.form.addEventListener("submit", startScan);
  ui.cancel.addEventListener("click", cancelScan);
  loadFolders();
})();
