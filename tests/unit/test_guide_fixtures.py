"""The guide documents every fixture loopwire's plugin provides, with a signature.

A fixture added to the plugin without a section in ``docs/guide.md`` fails here (and a section
left for a fixture that is gone), so a user never has to read the source to learn one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide.md"
SECTION = re.compile(r"^### `([a-z_]+)`", re.MULTILINE)
PLUGIN_SECTION = re.compile(
    r"-+ fixtures defined from loopwire\.[\w.]+ -+\n(.*?)(?=\n-+ |\Z)", re.S
)
FIXTURE_LINE = re.compile(r"^(\w+) -- ", re.MULTILINE)


def test_every_plugin_fixture_has_a_section_in_the_guide(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        '[tool.pytest.ini_options]\nasyncio_default_fixture_loop_scope = "function"\n'
    )
    result = pytester.runpytest_inprocess("--fixtures", "-p", "no:cacheprovider")
    provided = {
        name
        for section in PLUGIN_SECTION.findall(result.stdout.str())
        for name in FIXTURE_LINE.findall(section)
    }
    assert "service_process" in provided
    text = GUIDE.read_text(encoding="utf-8")
    documented = set(SECTION.findall(text))
    # server_command and server_health_path share one section.
    documented |= {"server_health_path"} if "### `server_command` and" in text else set()
    assert provided - documented == set()
    for name in provided - {"server_command", "server_health_path"}:
        # A factory is called, an object's methods are: either way its signature is shown.
        assert f"{name}(" in text or f"{name}." in text, f"no signature of {name} in the guide"
