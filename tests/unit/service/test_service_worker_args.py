"""The distributed mode's settings: the worker's command line, the queue URL, and the batch
payloads a worker accepts (anything else in the queue is refused before a file is touched)."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.__main__ import parse_args as parse_service_args
from service.distributed import job_deserializer, job_serializer, queue_settings
from service.worker import BadBatch, WorkerConfig, parse_args, parse_batch


def test_every_worker_option_reaches_the_config() -> None:
    config = parse_args(
        [
            "--queue", "redis://10.0.0.5:6380/2", "--media-root", "/a", "--media-root", "/b",
            "--ffprobe", "/opt/ffprobe", "--concurrency", "3", "--probe-timeout", "1.5",
            "--batch-timeout", "90",
        ]
    )  # fmt: skip
    assert config == WorkerConfig(
        queue="redis://10.0.0.5:6380/2",
        media_roots=(Path("/a"), Path("/b")),
        ffprobe="/opt/ffprobe",
        concurrency=3,
        probe_timeout=1.5,
        batch_timeout=90.0,
    )


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--queue", "http://h/0", "--media-root", "/m"], "redis:// or rediss://"),
        (["--queue", "redis://h/0", "--media-root", "/m", "--concurrency", "0"], "concurrency"),
        (["--queue", "redis://h/0", "--media-root", "/m", "--batch-timeout", "0"], "positive"),
        (["--queue", "redis://h/0"], "--media-root"),
    ],
)
def test_bad_worker_settings_are_usage_errors(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(argv)
    assert exited.value.code == 2
    assert says in capsys.readouterr().err


def test_the_service_takes_the_queue_and_the_batch_size() -> None:
    config = parse_service_args(
        ["--media-root", "/m", "--queue", "redis://h:1/0", "--batch-size", "4"]
    )
    assert (config.queue, config.batch_size) == ("redis://h:1/0", 4)
    assert parse_service_args(["--media-root", "/m"]).queue is None  # embedded by default


def test_queue_url_names_host_port_and_database() -> None:
    settings = queue_settings("redis://queue.internal:6380/3")
    assert (settings.host, settings.port, settings.database) == ("queue.internal", 6380, 3)
    assert queue_settings("rediss://q/0").ssl
    with pytest.raises(ValueError, match="redis://"):
        queue_settings("unix:///tmp/redis.sock")


def test_payloads_are_json_and_keep_undecodable_names_exact() -> None:
    name = b"/media/caf\xe9.mp4".decode(errors="surrogateescape")
    payload = {"a": [[0, name, name, 1]]}
    raw = job_serializer(payload)
    assert raw.isascii()  # JSON with escapes, never pickle
    assert job_deserializer(raw) == payload
    with pytest.raises(ValueError, match="JSON object"):
        job_deserializer(b"[1, 2]")


def test_a_batch_is_a_list_of_index_path_real_path_size() -> None:
    assert parse_batch([[0, "/m/a.mp4", "/m/a.mp4", 10], [1, "/m/b", "/r/b", 0]]) == [
        (0, "/m/a.mp4", "/m/a.mp4", 10),
        (1, "/m/b", "/r/b", 0),
    ]


@pytest.mark.parametrize(
    "payload",
    [
        "not a batch",
        {"files": []},
        [[0, "/m/a.mp4", "/m/a.mp4"]],
        [[0, "/m/a.mp4", None, 10]],
        [["0", "/m/a.mp4", "/m/a.mp4", 10]],
        [[0, b"/m/a.mp4", "/m/a.mp4", 10]],
    ],
)
def test_anything_else_is_refused(payload: object) -> None:
    with pytest.raises(BadBatch):
        parse_batch(payload)
