"""The command line maps onto ServiceConfig; the blocking control has its own launcher."""

from __future__ import annotations

from pathlib import Path

import pytest

from loopwire.harness.blocking_probe import BlockingProber, blocking_app
from service import keys
from service.__main__ import parse_args
from service.app import create_app
from service.config import ServiceConfig
from service.probe import FfprobeProber


def test_every_option_reaches_the_config() -> None:
    config = parse_args(
        [
            "--host", "127.0.0.2", "--port", "0", "--media-root", "/a", "--media-root", "/b",
            "--db", "x.db", "--ffprobe", "/opt/ffprobe", "--concurrency", "3",
            "--job-timeout", "9.5", "--probe-timeout", "1.5",
        ]
    )  # fmt: skip
    assert config == ServiceConfig(
        media_roots=(Path("/a"), Path("/b")),
        db_path=Path("x.db"),
        ffprobe="/opt/ffprobe",
        concurrency=3,
        job_timeout=9.5,
        probe_timeout=1.5,
        host="127.0.0.2",
        port=0,
    )


def test_defaults_match_the_config_defaults() -> None:
    config = parse_args(["--media-root", "/m"])
    defaults = ServiceConfig()
    assert (config.host, config.port, config.db_path, config.ffprobe) == (
        defaults.host, defaults.port, defaults.db_path, defaults.ffprobe,
    )  # fmt: skip
    assert config.concurrency == defaults.concurrency


def test_invalid_values_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(["--media-root", "/m", "--concurrency", "0"])
    assert exited.value.code == 2
    assert "concurrency" in capsys.readouterr().err


def test_only_the_harness_launcher_builds_the_blocking_service() -> None:
    config = ServiceConfig(ffprobe="/opt/ffprobe")
    # The product's own factory has no way to be told to block.
    assert isinstance(create_app(config)[keys.PROBER], FfprobeProber)
    prober = blocking_app(config)[keys.PROBER]
    assert isinstance(prober, BlockingProber)
    assert prober.executable == "/opt/ffprobe"
