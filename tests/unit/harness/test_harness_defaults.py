"""The harness fixtures' defaults in a project that is not loopwire: fail at once, say why.

The defaults start loopwire's reference service and wait for its health path; in a stranger's
project that server is not theirs, so a test would wait out the whole start-up timeout. The
inner pytester runs are such a project (their rootdir is a temporary directory).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from loopwire.harness.server import is_reference_checkout

pytest_plugins = ["pytester"]

INI = """
[tool.pytest.ini_options]
asyncio_default_fixture_loop_scope = "function"
"""
USES_SERVICE = """
def test_uses_the_service(service_process):
    service_process()
"""


def test_default_command_outside_loopwire_fails_at_once_naming_the_fixture(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyprojecttoml(INI)
    pytester.makepyfile(test_stranger=USES_SERVICE)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        ["*service_process does not know your server: override the `server_command` fixture*"]
    )
    assert "never answered" not in result.stdout.str()


def test_overriding_only_the_command_asks_for_the_health_path(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(
        """
import pytest, sys

@pytest.fixture
def server_command():
    return [sys.executable, "-m", "http.server", "{port}"]
"""
    )
    pytester.makepyprojecttoml(INI)
    pytester.makepyfile(test_stranger=USES_SERVICE)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*override the `server_health_path` fixture*"])


def test_loopwires_own_checkout_is_recognised(pytestconfig: pytest.Config, tmp_path: Path) -> None:
    assert is_reference_checkout(pytestconfig.rootpath)
    (tmp_path / "service").mkdir()
    (tmp_path / "service" / "__main__.py").write_text("")
    assert not is_reference_checkout(tmp_path)
