// The scan page: pick a folder, start a scan, follow its progress, cancel it, show the results.
//
// Progress arrives as Server-Sent Events (GET /api/v1/jobs/{id}/events); if the stream fails
// the page falls back to polling GET /api/v1/jobs/{id}. Everything shown comes from the job JSON.
// On load the page asks GET /api/v1/jobs what is going on, so a reload mid-scan re-attaches to
// the running job instead of pretending nothing happens (and shows the last result otherwise).
//
// `#status` shows a label for people; its `data-status` attribute keeps the raw API status
// (or "idle") for scripts.
"use strict";

(() => {
  const API = "/api/v1";
  const POLL_MS = 500;
  const FINISHED = new Set(["completed", "failed", "cancelled", "timed_out"]);
  const PARTIAL = new Set(["failed", "cancelled", "timed_out"]);
  const LABELS = {
    idle: "Idle",
    pending: "Waiting to start…",
    running: "Working…",
    completed: "Completed",
    failed: "Failed",
    cancelled: "Cancelled",
    timed_out: "Timed out",
  };
  // A first sentence for the error codes a person is likely to meet; the service's own message
  // follows it as the detail.
  const LEADS = {
    ffprobe_not_found: "ffprobe could not be started, so no file was examined.",
    job_timeout: "The scan took too long and was stopped.",
    interrupted: "The scan was interrupted because the service stopped.",
    scan_failed: "The scan failed.",
    outside_media_roots: "That folder is outside the media folders this service may scan.",
    not_found: "That folder does not exist (any more).",
    job_finished: "The scan had already finished.",
    probe_timeout: "ffprobe did not answer in time.",
    probe_failed: "ffprobe could not read this file.",
    invalid_probe_output: "ffprobe gave an answer that could not be understood.",
  };
  const RESOLUTION_NAMES = { 2160: "4K", 1440: "1440p", 1080: "1080p", 720: "720p", 480: "480p" };

  const $ = (id) => document.getElementById(id);
  const ui = {
    form: $("scan-form"),
    folder: $("folder"),
    recursive: $("recursive"),
    start: $("start"),
    thumbsForm: $("thumbs-form"),
    videoFile: $("video-file"),
    every: $("every-seconds"),
    startThumbs: $("start-thumbs"),
    frames: $("frames"),
    output: $("output-files"),
    cancel: $("cancel"),
    origin: $("job-origin"),
    status: $("status"),
    bar: $("progress"),
    percent: $("progress-text"),
    jobPath: $("job-path"),
    files: $("files"),
    currentFile: $("current-file"),
    eta: $("eta"),
    transport: $("transport"),
    message: $("message"),
    summary: $("results-summary"),
    rows: document.querySelector("#results tbody"),
    empty: $("results-empty"),
  };

  const idle = () => ({ id: null, stop: () => {} });
  // The job being followed live; `stop` ends whichever update channel (stream or timer) is open.
  let current = idle();
  // The job whose details the page shows (the followed one, or the last finished one).
  let shown = { id: null, path: "" };
  // Start stays disabled until the folders and the state of earlier jobs are known.
  let ready = false;

  class ApiError extends Error {
    constructor(code, message) {
      super(message);
      this.code = code;
    }
  }

  async function api(method, path, body) {
    let response;
    try {
      response = await fetch(API + path, {
        method,
        headers: body === undefined ? {} : { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new ApiError(null, `the service could not be reached (${error.message})`);
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) {
      const error = (data && data.error) || {};
      throw new ApiError(
        error.code || `http_${response.status}`,
        error.message || `${method} ${path} failed with HTTP ${response.status}`,
      );
    }
    return data;
  }

  function asSentence(text) {
    const trimmed = String(text || "").trim();
    if (!trimmed) return "";
    const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
    return ".!?…".includes(capital.slice(-1)) ? capital : `${capital}.`;
  }

  // Fills `element` with a readable sentence for {code, message}, the code small and muted.
  function describeError(element, error) {
    const lead = LEADS[error.code];
    const detail = asSentence(error.message);
    const text = document.createElement("span");
    text.textContent = lead && lead !== detail ? `${lead} ${detail}` : detail || lead || "";
    element.replaceChildren(text);
    if (error.code) {
      const code = document.createElement("small");
      code.className = "code";
      code.textContent = error.code;
      element.append(" ", code);
    }
  }

  function showError(error) {
    if (!error) {
      ui.message.replaceChildren();
      return;
    }
    describeError(ui.message, error);
  }

  function updateButtons() {
    ui.start.disabled = !ready || ui.folder.options.length === 0 || current.id !== null;
    ui.startThumbs.disabled = !ready || current.id !== null;
    ui.cancel.disabled = current.id === null;
  }

  // The service's estimate is right to the tenth of a second on short scans (0.47 s left at
  // 82% of a 2.5 s scan); rounded to whole seconds it read "about 0 s" as if the scan were done.
  function formatEta(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    if (seconds < 1) return "less than a second";
    const whole = Math.round(seconds);
    if (whole < 60) return `about ${whole} s`;
    return `about ${Math.floor(whole / 60)} min ${whole % 60} s`;
  }

  // Clock style like media players: 0:07, 4:05, 1:02:05.
  function formatDuration(seconds) {
    if (seconds === null || seconds === undefined) return "–";
    const whole = Math.max(0, Math.round(seconds));
    const h = Math.floor(whole / 3600);
    const m = Math.floor((whole % 3600) / 60);
    const s = String(whole % 60).padStart(2, "0");
    return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
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
    if (unit === 0) return `${value} B`;
    return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
  }

  // ffprobe names a demuxer family ("mov,mp4,m4a,3gp,3g2,mj2"); show the member matching the
  // file's extension when there is one, else the first.
  function shortFormat(formatName, path) {
    const names = String(formatName || "").split(",").filter(Boolean);
    if (names.length === 0) return "–";
    const extension = path.includes(".") ? path.slice(path.lastIndexOf(".") + 1).toLowerCase() : "";
    return names.includes(extension) ? extension : names[0];
  }

  function relativePath(path) {
    const base = shown.path;
    if (!path || !base) return path || "";
    const prefix = base.endsWith("/") ? base : `${base}/`;
    return path.startsWith(prefix) ? path.slice(prefix.length) : path;
  }

  // A path shown relative to the scanned folder, breakable only after a "/", full path on hover.
  function fillPath(element, path) {
    const relative = relativePath(path);
    const cut = relative.lastIndexOf("/") + 1;
    const parts = [];
    relative
      .slice(0, cut)
      .split("/")
      .slice(0, -1)
      .forEach((part) => {
        const dir = document.createElement("span");
        dir.className = "dir";
        dir.textContent = `${part}/`;
        parts.push(dir, document.createElement("wbr"));
      });
    parts.push(relative.slice(cut));
    element.replaceChildren(...parts);
    element.title = path || "";
  }

  function drawProgress(job) {
    const progress = job.progress;
    // A frame job whose frame count is unknown has no bar: it says it is working, no more.
    ui.bar.hidden = (progress === null || progress === undefined) && job.status === "running";
    if (progress === null || progress === undefined) {
      ui.bar.setAttribute("value", "0");
      ui.percent.textContent = ui.bar.hidden ? "working" : "0%";
      return;
    }
    // Floor, so the bar shows 100% only when the service says the job is done.
    const percent = Math.min(100, Math.max(0, Math.floor(progress * 100)));
    ui.bar.setAttribute("value", String(percent));
    ui.percent.textContent = `${percent}%`;
  }

  function drawStatus(status, hasRows) {
    const partial = PARTIAL.has(status) && hasRows ? " — partial results below" : "";
    ui.status.textContent = (LABELS[status] || status) + partial;
    ui.status.dataset.status = status;
  }

  function render(job) {
    if (job.id !== shown.id) return;
    const finished = FINISHED.has(job.status);
    const result = job.result || {};
    const rows = (result.videos || []).length + (result.errors || []).length;
    drawProgress(job);
    drawStatus(job.status, finished && rows > 0);
    ui.status.dataset.jobId = job.id;
    ui.jobPath.textContent = job.path + (job.recursive ? " (with sub-folders)" : "");
    const total = job.files_total === null ? "?" : job.files_total;
    const failed = job.files_failed ? `, ${job.files_failed} failed` : "";
    ui.files.textContent = `${job.files_done} of ${total}${failed}`;
    if (job.current_file && !finished) fillPath(ui.currentFile, job.current_file);
    else {
      ui.currentFile.textContent = "–";
      ui.currentFile.removeAttribute("title");
    }
    const frameTotal = job.total_frames === null ? "?" : job.total_frames;
    ui.frames.textContent =
      job.current_frame === null || job.current_frame === undefined
        ? "–"
        : `${job.current_frame} of ${frameTotal}` + (job.fps ? ` · ${job.fps} fps` : "");
    ui.eta.textContent = finished ? "–" : formatEta(job.eta_seconds);
    if (job.error) showError(job.error);
    if (finished) finish(job);
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
      fillPath(cell(row, "", "path"), video.path);
      cell(row, shortFormat(video.format_name, video.path), "format").title = video.format_name;
      cell(row, formatDuration(video.duration_seconds), "number");
      const resolution = cell(row, "–", "resolution");
      if (video.width && video.height) {
        resolution.textContent = `${video.width}×${video.height}`;
        const name = RESOLUTION_NAMES[video.height];
        if (name) {
          const muted = document.createElement("small");
          muted.textContent = name;
          resolution.append(" ", muted);
        }
      }
      const fps = video.frame_rate ? ` · ${Math.round(video.frame_rate * 100) / 100} fps` : "";
      cell(row, video.video_codec ? video.video_codec + fps : "–");
      cell(row, video.audio_codec || "–");
      cell(row, formatBytes(video.size_bytes), "number");
    }
    for (const error of errors) {
      const row = ui.rows.insertRow();
      row.className = "failed";
      row.dataset.path = error.path;
      fillPath(cell(row, "", "path"), error.path);
      const problem = cell(row, "", "problem");
      problem.colSpan = 6;
      // ffprobe's messages often repeat the path the row already shows.
      const repeated = `${error.path}: `;
      const message = error.message.startsWith(repeated)
        ? error.message.slice(repeated.length)
        : error.message;
      describeError(problem, { code: error.code, message });
    }
    const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
    ui.summary.textContent =
      videos.length + errors.length > 0
        ? `${plural(videos.length, "video")}, ${plural(errors.length, "problem")}`
        : "";
    ui.empty.hidden = videos.length + errors.length > 0;
  }

  function finish(job) {
    if (job.id === current.id) {
      current.stop();
      current = idle();
    }
    renderResults(job.result);
    renderOutput(job);
    updateButtons();
  }

  // A frame job's files (once completed), or what a stopped one left behind.
  function renderOutput(job) {
    ui.output.replaceChildren(
      ...(job.output || []).map((path) => {
        const item = document.createElement("li");
        item.textContent = path;
        return item;
      }),
    );
    if (job.type !== "scan") ui.empty.hidden = true;
    if (job.output_note) ui.summary.textContent = asSentence(job.output_note);
    else if (job.output) ui.summary.textContent = `${job.output.length} file(s) written`;
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
        showError(error);
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
    if (typeof EventSource === "undefined") {
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

  // Shows `job` from now on; follows it live unless it has already finished. `earlier`: the job
  // was not started from this visit of the page, which the page then says.
  function show(job, earlier = false) {
    ui.origin.textContent = earlier
      ? `Showing an earlier scan, started ${new Date(job.created_at).toLocaleString()}.`
      : "";
    current.stop();
    current = FINISHED.has(job.status) ? idle() : { id: job.id, stop: () => {} };
    shown = { id: job.id, path: job.path };
    ui.rows.replaceChildren();
    ui.output.replaceChildren();
    ui.summary.textContent = "";
    ui.empty.hidden = false;
    ui.transport.textContent = "–";
    updateButtons();
    render(job);
    if (current.id === job.id) follow(job.id);
  }

  async function startScan(event) {
    event.preventDefault();
    showError(null);
    ui.start.disabled = true;
    try {
      show(
        await api("POST", "/scans", {
          path: ui.folder.value,
          recursive: ui.recursive.checked,
        }),
      );
    } catch (error) {
      showError(error);
      updateButtons();
    }
  }

  async function startThumbnails(event) {
    event.preventDefault();
    showError(null);
    ui.startThumbs.disabled = true;
    try {
      show(
        await api("POST", "/jobs", {
          kind: "thumbnails",
          path: ui.videoFile.value,
          every_seconds: Number(ui.every.value),
        }),
      );
    } catch (error) {
      showError(error);
      updateButtons();
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
      showError(error);
    }
  }

  async function loadFolders() {
    try {
      const data = await api("GET", "/folders");
      ui.folder.replaceChildren(
        ...data.folders.map((path) => new Option(path, path, false, path === data.roots[0])),
      );
      ui.folder.disabled = data.folders.length === 0;
      if (data.folders.length === 0) {
        showError({ code: null, message: "no media folders are configured" });
      }
    } catch (error) {
      ui.folder.replaceChildren();
      ui.folder.disabled = true;
      showError({ code: error.code, message: `could not load the folders: ${error.message}` });
    }
  }

  // The newest pending/running job (the list is newest first), else the newest finished one.
  // The list holds summaries; the job itself (with its result) is fetched on its own.
  async function latestJob() {
    try {
      const { jobs } = await api("GET", "/jobs");
      const latest = jobs.find((job) => !FINISHED.has(job.status)) || jobs[0];
      return latest ? await api("GET", `/jobs/${encodeURIComponent(latest.id)}`) : null;
    } catch (error) {
      showError({ code: error.code, message: `could not load earlier scans: ${error.message}` });
      return null;
    }
  }

  async function init() {
    const [job] = await Promise.all([latestJob(), loadFolders()]);
    ready = true;
    if (job) {
      if ([...ui.folder.options].some((option) => option.value === job.path)) {
        ui.folder.value = job.path;
      }
      ui.recursive.checked = job.recursive;
      show(job, true);
    }
    updateButtons();
  }

  ui.form.addEventListener("submit", startScan);
  ui.thumbsForm.addEventListener("submit", startThumbnails);
  ui.cancel.addEventListener("click", cancelScan);
  init();
})();
