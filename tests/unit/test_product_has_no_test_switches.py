"""Nothing under ``service/`` knows about tests: no test switch, no import of the toolkit.

A switch that turns the product into its own negative control (an environment variable that
swaps in a blocking prober, a query flag that makes the page ignore ``progress``) ships the bug
with the product, one typo away from production. Negative controls are built by the tests:
a launcher that injects a prober into ``create_app``, Playwright serving a modified page.
"""

from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path

SERVICE = Path(__file__).resolve().parents[2] / "service"
TEXT_SUFFIXES = {".py", ".js", ".html", ".css"}
# "test", "tests", "testing", "pytest", "testid" as words; ffmpeg's "testsrc" filter and words
# that merely contain the letters ("latest") are not mentions of tests.
TEST_WORD = re.compile(r"(?<![a-z])(py)?test(s|ing|id)?(?![a-z])", re.IGNORECASE)
SWITCH = re.compile(r"lw-test|LOOPWIRE_\w+")


def product_findings(root: Path) -> list[str]:
    """``path:line: what`` for every mention of tests or a switch, and every import of the
    toolkit but the loop watchdog it runs."""
    findings: list[str] = []
    for path in sorted(p for p in root.rglob("*") if p.suffix in TEXT_SUFFIXES):
        relative = path.relative_to(root.parent)
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            match = SWITCH.search(line) or TEST_WORD.search(line)
            if match:
                findings.append(f"{relative}:{number}: mentions {match.group(0)!r}")
        if path.suffix == ".py":
            for node in ast.walk(ast.parse(text, str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    toolkit = name == "loopwire" or name.startswith("loopwire.")
                    if toolkit and not name.startswith("loopwire.loopwatch"):
                        findings.append(f"{relative}:{node.lineno}: imports {name}")
    return findings


def test_service_mentions_no_test_switch_and_imports_no_toolkit() -> None:
    assert product_findings(SERVICE) == []


def test_negative_control_switches_and_imports_are_found(tmp_path: Path) -> None:
    copy = tmp_path / "service"
    shutil.copytree(SERVICE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    with (copy / "__main__.py").open("a", encoding="utf-8") as fh:
        fh.write('\nif os.environ.get("LOOPWIRE_BLOCKING_PROBE") == "1":\n')
        fh.write("    from loopwire.harness.blocking_probe import BlockingProber\n")
    with (copy / "static" / "app.js").open("a", encoding="utf-8") as fh:
        fh.write('const ignore = new URLSearchParams(location.search).get("lw-test-x");\n')
    with (copy / "static" / "index.html").open("a", encoding="utf-8") as fh:
        fh.write('<p data-testid="status"></p>\n')

    findings = product_findings(copy)

    assert any("__main__.py" in f and "'LOOPWIRE_BLOCKING_PROBE'" in f for f in findings)
    assert any("imports loopwire.harness.blocking_probe" in f for f in findings)
    assert any("app.js" in f and "'lw-test'" in f for f in findings)
    assert any("index.html" in f and "'testid'" in f for f in findings)
    assert len(findings) == 4, findings
