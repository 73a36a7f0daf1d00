"""Deliberately broken workers, built from the real one (no switch in the product), for the
negative controls of the distributed tests: ``python -m tests.integration.service.broken_workers
KIND --queue ... (worker arguments)``.

``unguarded``
    counts and stores every result it probes, without the once-per-file guard, and re-probes
    the files an earlier run of its batch recorded: what a naive counter (INCR + store) does.
``ignores-cancel``
    neither watches its scan's stop flag nor lets arq's abort reach its probes.
``frames-ignore-stop``
    runs frame jobs without watching their stop flag or letting arq's abort reach ffmpeg.
``frames-keep-partial``
    runs a frame job again over what an earlier run of it left in its output folder.
``frames-no-lease``
    never renews a running frame job's lease: arq hands it to another worker while it runs.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import ClassVar

from arq.connections import ArqRedis

from service.frame_runner import FrameRunner
from service.frame_state import FrameState
from service.probe import Prober
from service.scan_state import ScanState
from service.worker import BatchRunner, main, parse_batch

_UNGUARDED_RECORD = """
if ARGV[5] ~= '' then
  redis.call('SET', KEYS[4], ARGV[5], 'EX', ARGV[4])
end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('HINCRBY', KEYS[3], 'done', 1)
if ARGV[3] == '1' then
  redis.call('HINCRBY', KEYS[3], 'failed', 1)
end
return 1
"""


class UnguardedState(ScanState):
    RECORD_SCRIPT: ClassVar[str] = _UNGUARDED_RECORD

    async def is_done(self, index: int) -> bool:
        return False


class UnguardedRunner(BatchRunner):
    def __init__(
        self,
        redis: ArqRedis,
        prober: Prober,
        roots: tuple[Path, ...],
        state: type[ScanState] = UnguardedState,
    ) -> None:
        super().__init__(redis, prober, roots, UnguardedState)


class IgnoresCancelRunner(BatchRunner):
    async def run(self, scan_id: str, payload: object) -> int:
        probing = self.probe_all(_NeverStopped(self.redis, scan_id), parse_batch(payload))
        return await asyncio.shield(probing)


class _NeverStopped(ScanState):
    async def stopped(self) -> bool:
        return False


class _NeverStoppedFrames(FrameState):
    async def stopped(self) -> bool:
        return False


class IgnoresStopFrameRunner(FrameRunner):
    STATE: ClassVar[type[FrameState]] = _NeverStoppedFrames

    async def run(self, job_id: str, payload: object, arq_job_id: str) -> bool:
        return await asyncio.shield(super().run(job_id, payload, arq_job_id))


class KeepsPartialFrameRunner(FrameRunner):
    async def start_afresh(self, output_dir: Path) -> None:
        await asyncio.to_thread(output_dir.mkdir, parents=True, exist_ok=True)


class NoLeaseFrameRunner(FrameRunner):
    async def keep_lease(self, arq_job_id: str, running: asyncio.Task[bool]) -> None:
        return


RUNNERS: dict[str, tuple[type[BatchRunner], type[FrameRunner]]] = {
    "unguarded": (UnguardedRunner, FrameRunner),
    "ignores-cancel": (IgnoresCancelRunner, FrameRunner),
    "frames-ignore-stop": (BatchRunner, IgnoresStopFrameRunner),
    "frames-keep-partial": (BatchRunner, KeepsPartialFrameRunner),
    "frames-no-lease": (BatchRunner, NoLeaseFrameRunner),
}

if __name__ == "__main__":
    kind, *arguments = sys.argv[1:]
    sys.exit(main(arguments, *RUNNERS[kind]))
