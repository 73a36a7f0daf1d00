"""How much the bench measures: run counts, time bounds, corpus choice, and where it writes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ALL_CORPORA = ("asyncio", "aiohttp", "stdlib")


@dataclass(frozen=True)
class Settings:
    # Repetitions of a fast measurement (loopwire, ruff, one service scenario).
    runs: int = 5
    # Repetitions of a slow one (flake8-async, which takes tens of seconds per corpus).
    slow_runs: int = 3
    # Upper bound of one run of any command; a run that hits it is reported as timed out.
    timeout: float = 120.0
    # Upper bound of one run of a slow peer (flake8-async takes about a minute on aiohttp).
    slow_timeout: float = 300.0
    # The whole stdlib is 850k lines: one run of each tool, each bounded by ``stdlib_timeout``.
    stdlib_runs: int = 1
    stdlib_timeout: float = 600.0
    corpora: tuple[str, ...] = ALL_CORPORA
    # flake8-async on the whole stdlib takes about 20 minutes: only on request (--stdlib-peer).
    stdlib_peer: bool = False
    stdlib_peer_timeout: float = 1800.0
    # Files in the memory scenario's directory.
    rss_files: int = 100_000
    quick: bool = False
    # Repetitions of each service scenario (each one is a multi-second scan).
    service_runs: int = 3
    # Delay of the fake ffprobe in the throughput scenario, seconds.
    probe_delay: float = 1.0
    pollers: int = 50
    # Each poller's period: 50 pollers every 200 ms is 250 requests/s against one scan.
    poll_interval: float = 0.2
    # Generated videos and other inputs worth keeping between runs.
    cache_dir: Path = Path("bench-results/cache")
    output_dir: Path = Path("bench-results")
    # The checkout: ``service/`` is linted and served from here.
    project: Path = Path()
    sections: tuple[str, ...] = ("linter", "wiring", "service", "distributed")

    def summary(self) -> dict[str, object]:
        return {
            "runs": self.runs,
            "slow_runs": self.slow_runs,
            "timeout_s": self.timeout,
            "quick": self.quick,
            "corpora": ",".join(self.corpora),
            "stdlib_peer": self.stdlib_peer,
            "rss_files": self.rss_files,
            "service_runs": self.service_runs,
            "pollers": f"{self.pollers} every {self.poll_interval:g} s",
        }
