"""Everything the service can be configured with, in one typed and immutable place."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def _cpu_count() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """Service settings. The defaults are safe: loopback only, nothing scannable until a media
    root is given, ffprobe looked up on ``PATH`` when it is started, a db file in the working
    directory."""

    media_roots: tuple[Path, ...] = ()
    db_path: Path = Path("loopwire.db")
    ffprobe: str = "ffprobe"
    ffmpeg: str = "ffmpeg"
    # Where frame jobs write (a folder per job); inside a media root. None: ".loopwire-output"
    # in the first media root.
    output_dir: Path | None = None
    # Probes are CPU-bound child processes; more at once than cores only adds contention.
    concurrency: int = field(default_factory=_cpu_count)
    job_timeout: float = 3600.0
    probe_timeout: float = 30.0
    host: str = "127.0.0.1"
    port: int = 8080
    # Log every event-loop stall longer than this many seconds, with the line that caused it.
    stall_report: float | None = None
    # Finished jobs kept in history (the library keeps every video regardless).
    retain_jobs: int = 1000
    # Open event streams at once; each holds a socket, and descriptors are finite.
    max_event_streams: int = 100
    # Distributed mode: scans are probed by `python -m service.worker` processes fed through
    # arq on this Redis (redis://HOST:PORT/DB). None: probed in this process.
    queue: str | None = None
    # Distributed mode: files per arq job (the unit a worker takes, and re-runs after a crash).
    batch_size: int = 8

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if self.job_timeout <= 0 or self.probe_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if self.retain_jobs < 1 or self.max_event_streams < 1:
            raise ValueError("retain-jobs and max-event-streams must be at least 1")
        if not 0 <= self.port <= 65535:
            raise ValueError("port must be between 0 and 65535")
        if self.output_dir is not None and not self.output_dir.is_absolute():
            raise ValueError("--output-dir must be an absolute path")
        if self.queue is not None and not self.queue.startswith(("redis://", "rediss://")):
            raise ValueError(f"--queue must be a redis:// or rediss:// URL, not {self.queue!r}")
        if self.batch_size < 1:
            raise ValueError("--batch-size must be at least 1")
        if self.stall_report is not None and self.stall_report <= 0:
            raise ValueError("--stall-report must be a positive number of milliseconds")
