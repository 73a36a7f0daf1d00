"""The command line maps onto ServiceConfig, and the negative-control switch is opt-in only."""

from __future__ import annotations

from pathlib import Path

import pytest

from checks.harness.blocking_probe import BlockingProber
from service.__main__ import BLOCKING_PROBE_SWITCH, negative_control_prober, parse_args
from service.config import ServiceConfig


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


def test_blocking_probe_only_when_switched_on(monkeypatch: pytest.MonkeyPatch) -> None:
    config = ServiceConfig(ffprobe="/opt/ffprobe")
    monkeypatch.delenv(BLOCKING_PROBE_SWITCH, raising=False)
    assert negative_control_prober(config) is None
    monkeypatch.setenv(BLOCKING_PROBE_SWITCH, "0")
    assert negative_control_prober(config) is None
    monkeypatch.setenv(BLOCKING_PROBE_SWITCH, "1")
    prober = negative_control_prober(config)
    assert isinstance(prober, BlockingProber)
    assert prober.executable == "/opt/ffprobe"
