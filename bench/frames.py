"""``python -m bench.frames`` (``nox -s bench_frames``): a frame job's frames per second
against the same ffmpeg command run alone.

The difference is the job machinery's overhead (the probe for the frame count, the progress
pipe read line by line, the job's state kept, saved and published); the issue's target is under
3 %. Each side runs ``--runs`` times on one generated video, alternating (a shared machine's
load then weighs on both alike); the best of each is compared, the job timed from its ``POST``
to its event stream's ``end`` event.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from loopwire.harness.server import REFERENCE_SERVICE, ServerProcess
from service.kinds import KINDS, FrameKind

# Each kind's parameters for the bench: a thumbnail every 10 s; a transcode to 240 lines.
PARAMS: dict[str, dict[str, float | int | str]] = {
    "thumbnails": {"every_seconds": 10.0},
    "transcode": {"height": 240},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.frames", description=__doc__)
    parser.add_argument("--seconds", type=int, default=60, help="video length (%(default)s)")
    parser.add_argument("--size", default="320x240", help="video size (%(default)s)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each side (%(default)s)")
    parser.add_argument("--kind", choices=sorted(PARAMS), default="thumbnails", help="job kind")
    args = parser.parse_args(argv)
    if shutil.which("ffmpeg") is None:
        print("ffmpeg not installed: apt-get install ffmpeg", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-frames-") as scratch:
        media = Path(scratch) / "media"
        media.mkdir()
        video = media / "long.mp4"
        rate = 25
        subprocess.run(
            [
                *("ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i"),
                f"testsrc=duration={args.seconds}:size={args.size}:rate={rate}",
                *("-pix_fmt", "yuv420p", "-c:v", "libx264", str(video)),
            ],
            check=True,
        )
        frames = args.seconds * rate
        kind, params = KINDS[args.kind], PARAMS[args.kind]
        server = ServerProcess(
            [*REFERENCE_SERVICE, "--media-root", str(media), "--db", f"{scratch}/service.db"]
        ).start()
        alone, job = [], []
        try:
            for run in range(args.runs):
                alone.append(_ffmpeg_alone(kind, params, video, Path(scratch) / f"alone{run}"))
                job.append(_job(server, args.kind, params, video))
        finally:
            server.stop()
    best_alone, best_job = min(alone), min(job)
    overhead = (best_job - best_alone) / best_alone * 100
    print(
        f"{args.kind} of a {args.seconds} s {args.size} video ({frames} frames), "
        f"best of {args.runs}"
    )
    print(f"  {'ffmpeg alone':<16}  {best_alone:7.3f} s  {frames / best_alone:9.1f} frames/s")
    print(f"  {args.kind + ' job':<16}  {best_job:7.3f} s  {frames / best_job:9.1f} frames/s")
    print(
        f"  {'overhead':<16}  {overhead:+6.1f} %  (target: under 3 %), "
        f"{(best_job - best_alone) * 1000:.0f} ms a job"
    )
    return 0


def _ffmpeg_alone(
    kind: FrameKind, params: dict[str, float | int | str], video: Path, output: Path
) -> float:
    """The job's own command line (same kind arguments), without the service."""
    output.mkdir()
    command = [
        *("ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-nostats"),
        *("-progress", "pipe:1", "-i", str(video), *kind.arguments(params, output)),
    ]
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def _job(
    server: ServerProcess, kind: str, params: dict[str, float | int | str], video: Path
) -> float:
    """Seconds from the job's ``POST`` to the ``end`` event of its stream (no polling gap)."""
    body = json.dumps({**params, "kind": kind, "path": str(video)}).encode()
    request = urllib.request.Request(
        server.url("/api/v1/jobs"), data=body, headers={"Content-Type": "application/json"}
    )
    start = time.perf_counter()
    job = _json(urllib.request.urlopen(request, timeout=10))
    with urllib.request.urlopen(
        server.url(f"/api/v1/jobs/{job['id']}/events"), timeout=600
    ) as events:
        for line in events:
            if line.startswith(b"event: end"):
                break
    elapsed = time.perf_counter() - start
    job = _json(urllib.request.urlopen(server.url(f"/api/v1/jobs/{job['id']}"), timeout=10))
    if job["status"] != "completed":
        raise SystemExit(f"the job ended {job['status']}: {job['error']}")
    return elapsed


def _json(response: Any) -> Any:
    with response:
        return json.loads(response.read())


if __name__ == "__main__":
    sys.exit(main())
