"""Negative control: the bug loopwire exists for, fed to the linter, must fail it.

A realistic ffprobe helper runs ``sp.run`` (``import subprocess as sp``) in a sync function in one
module; an ``async def`` in another module calls it. Direct-call linters miss this; loopwire must
report it, and must stay quiet once the call goes through ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.unit.lint.lint_project import run_cli, write_project

ROOT = Path(__file__).resolve().parents[3]

PROBE = '''
"""ffprobe metadata for one file."""
import json
import subprocess as sp
from pathlib import Path


def ffprobe_json(path: Path, executable: str = "ffprobe") -> dict[str, object]:
    completed = sp.run(
        [executable, "-v", "error", "-print_format", "json", "-show_format",
         "-show_streams", "--", str(path)],
        capture_output=True,
        check=True,
        timeout=30,
    )
    return json.loads(completed.stdout)


def probe(path: Path) -> dict[str, object]:
    data = ffprobe_json(path)
    return {"path": str(path), "format": data.get("format")}
'''

SCAN_BLOCKING = """
from media.probe import probe


async def scan(paths):
    results = []
    for path in paths:
        results.append(probe(path))
    return results
"""

SCAN_FIXED = """
import asyncio

from media.probe import probe


async def scan(paths):
    return [await asyncio.to_thread(probe, path) for path in paths]
"""


def _project(root: Path, scan: str) -> Path:
    return write_project(
        root, {"media/__init__.py": "", "media/probe.py": PROBE, "media/scan.py": scan}
    )


def test_blocking_helper_in_another_module_is_reported(tmp_path: Path) -> None:
    root = _project(tmp_path, SCAN_BLOCKING)
    result = run_cli("lint", "--format", "json", "--no-cache", "media", cwd=root)
    assert result.returncode == 1, result.stderr
    findings = json.loads(result.stdout)
    assert [(f["path"], f["line"], f["code"]) for f in findings] == [
        (str(Path("media/scan.py")), 7, "LW110")
    ]
    assert "scan -> probe -> ffprobe_json -> subprocess.run" in findings[0]["message"]


def test_same_helper_through_to_thread_is_clean(tmp_path: Path) -> None:
    root = _project(tmp_path, SCAN_FIXED)
    result = run_cli("lint", "--no-cache", "media", cwd=root)
    assert (result.returncode, result.stdout) == (0, ""), result.stderr


def test_relative_and_module_imports_are_followed(tmp_path: Path) -> None:
    scan = """
    from . import probe as probing
    from .probe import probe as run_probe


    async def scan(path):
        probing.probe(path)
        run_probe(path)
    """
    root = _project(tmp_path, scan)
    result = run_cli("lint", "--format", "json", "--no-cache", "media", cwd=root)
    assert [(f["line"], f["code"]) for f in json.loads(result.stdout)] == [
        (6, "LW110"),
        (7, "LW110"),
    ]


def test_blocking_prober_of_the_harness_fails_without_its_suppression(tmp_path: Path) -> None:
    # The harness's deliberately blocking prober: the rewritten-to-block copy of the service's
    # ffprobe code. Its one noqa (ASYNC221, the flake8-async code) is what keeps checks/ clean.
    source = ROOT / "loopwire" / "harness" / "blocking_probe.py"
    copy = tmp_path / "blocking_probe.py"
    text = source.read_text()
    assert "# noqa: ASYNC221" in text
    copy.write_text(text.replace("# noqa: ASYNC221", ""))
    result = run_cli("lint", "--format", "json", "--no-cache", copy.name, cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert {f["code"] for f in json.loads(result.stdout)} == {"LW101"}
    source_result = run_cli("lint", "--no-cache", str(source), cwd=tmp_path)
    assert source_result.returncode == 0, source_result.stdout


# The service's own prober, rewritten the way the real bug was written: the probe runs ffprobe
# through a sync helper with ``subprocess.run``.
_BLOCKING_RUN = """

    def _run_blocking(self, path: Path) -> tuple[bytes, bytes, int]:
        completed = subprocess.run(
            [self.executable, *FFPROBE_ARGUMENTS, str(path)],
            capture_output=True,
            timeout=self.timeout,
        )
        return completed.stdout, completed.stderr, completed.returncode
"""


def with_last_method(text: str, class_name: str, method: str) -> str:
    """``text`` with ``method`` appended to the body of its top-level class ``class_name``."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith(f"class {class_name}"))
    end = next(
        (i for i in range(start + 1, len(lines)) if lines[i].strip() and lines[i][0] != " "),
        len(lines),
    )
    while lines[end - 1].strip() == "":
        end -= 1
    return "".join(lines[:end]) + method.rstrip("\n") + "\n\n\n" + "".join(lines[end:])


def test_the_services_prober_rewritten_to_block_is_reported(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "service", tmp_path / "service")
    clean = run_cli("lint", "--no-cache", "service", cwd=tmp_path)
    assert (clean.returncode, clean.stdout) == (0, ""), clean.stdout

    probe = tmp_path / "service" / "probe.py"
    text = probe.read_text()
    call = "stdout, stderr, returncode = await self._run(path)"
    assert call in text
    text = text.replace("import asyncio\n", "import asyncio\nimport subprocess\n", 1)
    text = text.replace(call, "stdout, stderr, returncode = self._run_blocking(path)")
    text = with_last_method(text, "FfprobeProber", _BLOCKING_RUN)
    probe.write_text(text)
    line = text[: text.index("self._run_blocking(path)")].count("\n") + 1

    result = run_cli("lint", "--format", "json", "--no-cache", "service", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    findings = [(f["path"], f["line"], f["code"], f["message"]) for f in json.loads(result.stdout)]
    assert [(path, at, code) for path, at, code, _ in findings] == [
        (str(Path("service/probe.py")), line, "LW110")
    ]
    assert (
        "FfprobeProber.probe -> FfprobeProber._run_blocking -> subprocess.run (LW101)"
        in findings[0][3]
    )


# The frame job counting frames the way the known bug did: a sync helper that runs ffprobe with
# ``subprocess.run``, called from the job's coroutine.
_BLOCKING_COUNT = """

def _count_frames_blocking(path: Path) -> int | None:
    completed = subprocess.run(
        ["ffprobe", "-v", "error", "-count_frames", "-show_streams", str(path)],
        capture_output=True,
    )
    return len(completed.stdout) or None
"""


def test_a_frame_job_counting_frames_with_a_blocking_call_is_reported(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "service", tmp_path / "service")
    jobs = tmp_path / "service" / "jobs.py"
    text = jobs.read_text()
    call = "self._total_known(job, total_frames(await self._prober.probe(source)))"
    assert call in text
    text = text.replace("import asyncio\n", "import asyncio\nimport subprocess\n", 1)
    text = text.replace(call, "self._total_known(job, _count_frames_blocking(source))")
    text = text.rstrip("\n") + _BLOCKING_COUNT
    jobs.write_text(text)
    line = text[: text.index("_count_frames_blocking(source)")].count("\n") + 1

    result = run_cli("lint", "--format", "json", "--no-cache", "service", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    findings = [(f["path"], f["line"], f["code"]) for f in json.loads(result.stdout)]
    assert findings == [(str(Path("service/jobs.py")), line, "LW110")], findings
