"""``[tool.loopwire.wiring]`` keys and what each one changes."""

from __future__ import annotations

from pathlib import Path

from loopwire.config import load_config
from loopwire.wiring.settings import DEFAULT_LISTENER_CALLS, WiringSettings


def settings_from(tmp_path: Path, body: str) -> WiringSettings:
    (tmp_path / "pyproject.toml").write_text(f"[tool.loopwire.wiring]\n{body}")
    return WiringSettings.from_config(load_config(start=tmp_path))


def test_defaults_without_a_section(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    settings = WiringSettings.from_config(load_config(start=tmp_path))
    assert settings == WiringSettings()
    assert settings.listener_calls == DEFAULT_LISTENER_CALLS
    assert settings.is_event_enum("JobEventType", "m")
    assert settings.is_event_enum("SocketEvent", "m")
    assert not settings.is_event_enum("JobStatus", "m")
    assert settings.is_emitter_call("dispatch_event")
    assert not settings.is_sink_call("send")  # the built-in sinks are not a setting
    assert settings.outgoing == ()


def test_every_key_is_read(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        'schema-bases = ["app.base.Response"]\n'
        'schema-decorators = ["app.schema"]\n'
        'schema-modules = ["app.schemas"]\n'
        'event-enums = ["app.signals.Signal"]\n'
        'event-suffixes = ["Message"]\n'
        'listener-calls = ["when_*"]\n'
        'trusted = ["Row", "app.db:*"]\n'
        'emitter-calls = ["announce"]\n'
        'sink-calls = ["deliver", "enqueue_*"]\n'
        'outgoing = ["Receipt", "app.api:*Response"]\n',
    )
    assert settings.schema_bases == ("app.base.Response",)
    assert settings.schema_decorators == ("app.schema",)
    assert settings.reports_module("app.schemas")
    assert not settings.reports_module("app.jobs")
    assert settings.is_event_enum("Signal", "app.signals")
    assert settings.is_event_enum("ChatMessage", "app.chat")
    assert not settings.is_event_enum("JobEvent", "app.jobs")
    assert settings.is_listener_call("when_ready")
    assert not settings.is_listener_call("on")
    assert settings.is_emitter_call("announce")
    assert not settings.is_emitter_call("emit")
    assert settings.is_sink_call("enqueue_job")
    assert not settings.is_sink_call("deliverable")
    assert settings.is_outgoing("Receipt", "app.shop")
    assert settings.is_outgoing("JobResponse", "app.api")
    assert not settings.is_outgoing("JobResponse", "app.jobs")


def test_trusted_by_class_and_by_location() -> None:
    settings = WiringSettings(trusted=("Row", "app.models.Video", "app.db:Job*"))
    assert settings.is_trusted("Row", "anything", "anywhere")
    assert settings.is_trusted("Video", "app.models", "app.handlers")
    assert not settings.is_trusted("Video", "other.models", "app.handlers")
    assert settings.is_trusted("JobStatus", "app.schemas", "app.db")
    assert not settings.is_trusted("JobStatus", "app.schemas", "app.handlers")
