"""The real-world wiring survey: its numbers come from the real check, its precision from the
judged sample, and a sample with a verdict that is neither true nor false is refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.realworld_wiring import (
    JUDGED,
    PACKAGES,
    Judgement,
    Package,
    Result,
    load_judged,
    report,
    run_wiring,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "wiring"
SHOP = Package("shop", "0", ("shop",), "fixture")


@pytest.fixture(scope="module")
def shop_result(tmp_path_factory: pytest.TempPathFactory) -> Result:
    target = tmp_path_factory.mktemp("site")
    shutil.copytree(FIXTURES / "leaving" / "shop", target / "shop")
    return run_wiring(SHOP, target)


def test_survey_runs_the_check_and_counts_what_it_reports(shop_result: Result) -> None:
    assert shop_result.exit_code == 1
    assert shop_result.files == 4
    assert shop_result.lines > 50
    codes = sorted(str(f["code"]) for f in shop_result.findings)
    assert codes == ["LW201", "LW201", "LW201", "LW201", "LW202", "LW204"]
    # Paths are relative to the install directory, so reports compare across machines.
    assert all(str(f["path"]).startswith("shop/") for f in shop_result.findings)


def test_precision_counts_only_judged_findings(shop_result: Result) -> None:
    judged = {
        ("shop", "LW201", "OrderStatus.eta_seconds"): Judgement("true", "never set, served"),
        ("shop", "LW202", "OrderStatus"): Judgement("false", "say it was fine"),
    }
    table = report([shop_result], judged)
    assert "| shop | 0 | fixture | 4 |" in table
    assert "| 1/1 |" in table
    assert "judged 2 (1 true, 1 false): precision 50%; 4 not in" in table


def test_a_verdict_other_than_true_or_false_is_refused(tmp_path: Path) -> None:
    sample = tmp_path / "judged.csv"
    sample.write_text(
        "package,version,code,symbol,verdict,reason\nshop,0,LW201,A.b,maybe,unsure\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="verdict 'maybe'"):
        load_judged(sample)


def test_committed_sample_judges_only_surveyed_packages_with_a_reason() -> None:
    surveyed = {package.distribution for package in PACKAGES}
    judged = load_judged(JUDGED)
    assert judged
    assert {package for package, _, _ in judged} <= surveyed
    assert all(judgement.reason.strip() for judgement in judged.values())
