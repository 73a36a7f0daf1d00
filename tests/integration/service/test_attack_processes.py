"""No process the service starts outlives it, and no probe can flood it: against the real
service process, with probes that hang, leave grandchildren, escape with ``setsid`` and print
hundreds of megabytes."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from loopwire.harness.attacks import (
    MINIMAL_PROBE_JSON,
    peak_rss_kib,
    post_scan,
    process_gone,
    start_service,
    wait_for,
    wait_job,
    write_probe_script,
)
from loopwire.harness.fake_ffprobe.fakes import Behaviour
from loopwire.harness.fixtures import FakeFfprobeFactory, ServiceFactory
from tests.integration.service.service_support import touch_videos

pytestmark = pytest.mark.integration


def test_kill_9_mid_scan_then_restart_leaves_no_probe_process(
    tmp_path: Path,
    media: Path,
    fake_ffprobe: FakeFfprobeFactory,
    service_process: ServiceFactory,
) -> None:
    fake = fake_ffprobe(
        rules={"hang-*": Behaviour(mode="hang")},
        default=Behaviour(mode="grandchild", after_spawn="hang"),
    )
    touch_videos(media, "hang-1.mp4", "child-1.mp4", "child-2.mp4", "hang-2.mp4")
    db = tmp_path / "service.db"
    args = ("--concurrency", "4")
    server = start_service(service_process, media, db, *args, ffprobe=fake.executable)
    post_scan(server, media)
    wait_for(
        lambda: (
            len(fake.invocations()) == 4
            and sum(inv.grandchild_pid is not None for inv in fake.invocations()) == 2
        ),
        what="four probes, two grandchildren",
    )
    os.kill(server.pid, signal.SIGKILL)
    server.stop()

    start_service(service_process, media, db, *args, ffprobe=fake.executable)
    wait_for(lambda: not fake.alive_pids(), within=10, what="no probe process left")


def test_escaped_grandchild_holding_stdout_is_no_timeout_and_is_killed(
    tmp_path: Path, media: Path, service_process: ServiceFactory
) -> None:
    pid_file = tmp_path / "escaped.pid"
    grandchild = (
        "import os, sys, time; os.setsid(); "
        f"open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(3600)"
    )
    probe = write_probe_script(
        tmp_path / "escaping",
        f"{sys.executable} -c {grandchild!r} &\n"
        f"while [ ! -s {pid_file} ]; do sleep 0.01; done\n"
        f"printf '%s' '{MINIMAL_PROBE_JSON}'",
    )
    touch_videos(media, "a.mp4")
    server = start_service(
        service_process, media, tmp_path / "service.db", "--probe-timeout", "8", ffprobe=probe
    )
    job = wait_job(server, post_scan(server, media)["id"])
    assert job["result"]["errors"] == []
    assert [video["format_name"] for video in job["result"]["videos"]] == [
        "mov,mp4,m4a,3gp,3g2,mj2"
    ]
    assert job["status"] == "completed"
    escaped = int(pid_file.read_text())
    wait_for(lambda: process_gone(escaped), within=10, what=f"escaped grandchild {escaped} gone")


def test_flooding_probe_is_a_file_error_with_bounded_memory(
    tmp_path: Path, media: Path, service_process: ServiceFactory
) -> None:
    probe = write_probe_script(tmp_path / "flood", "exec head -c 209715200 /dev/zero")
    touch_videos(media, "flood.mp4")
    server = start_service(service_process, media, tmp_path / "service.db", ffprobe=probe)
    job = wait_job(server, post_scan(server, media)["id"])
    assert job["status"] == "completed"
    assert [error["code"] for error in job["result"]["errors"]] == ["probe_output_too_large"]
    # 200 MB went through the pipe; a service that kept it would peak far above this.
    assert peak_rss_kib(server.pid) < 150 * 1024
