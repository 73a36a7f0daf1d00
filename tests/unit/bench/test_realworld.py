"""The real-world session's arithmetic: judged precision, peer coverage, chains, package roots.

Each is checked against a sample where the answer is known, including the failing side: false
findings must pull precision under the goal, and a peer finding loopwire misses must count as
missed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.judgements import (
    COLUMNS,
    Judgement,
    JudgementError,
    Seen,
    load,
    mistakes,
    precision,
    refuted,
    save,
)
from bench.realworld import (
    JUDGED,
    PRECISION_GOAL,
    Installed,
    PackageRun,
    PeerRun,
    chain_of,
    coverage,
    distribution_roots,
    equivalents,
    main,
    project_config,
    seen,
)

PACKAGE = ("demo", "1.0")


def _seen(line: int, code: str = "LW110", chain: str = "a -> b -> os.stat") -> Seen:
    return Seen(*PACKAGE, "demo/m.py", line, 5, code, chain if code == "LW110" else "", True)


def _judged(
    line: int, real: bool, code: str = "LW110", chain: str = "a -> b -> os.stat"
) -> Judgement:
    mistake = "" if real else "mro"
    chain = chain if code == "LW110" else ""
    return Judgement(*PACKAGE, "demo/m.py", line, 5, code, chain, real, mistake, "why")


def test_false_findings_pull_precision_under_the_goal() -> None:
    judged = [_judged(1, True), _judged(2, False), _judged(3, False)]
    result = precision("all", judged, [_seen(1), _seen(2), _seen(3)], [PACKAGE])
    assert (result.real, result.judged) == (1, 3)
    assert result.value is not None
    assert result.value < PRECISION_GOAL
    assert mistakes(judged, [_seen(1), _seen(2), _seen(3)]) == {"mro": 2}


def test_a_fixed_false_finding_leaves_the_sample_and_a_lost_real_one_is_counted() -> None:
    judged = [_judged(1, True), _judged(2, False), _judged(3, True)]
    result = precision("all", judged, [_seen(1)], [PACKAGE])
    assert (result.real, result.judged, result.gone_false, result.gone_real) == (1, 1, 1, 1)


def test_a_changed_chain_is_not_judged_by_the_old_verdict() -> None:
    judged = [_judged(1, False, chain="a -> Base.size -> os.stat")]
    result = precision("all", judged, [_seen(1, chain="a -> Other.size -> os.stat")], [PACKAGE])
    assert (result.judged, result.unjudged) == (0, 1)


def test_precision_of_one_code_and_of_other_packages() -> None:
    judged = [_judged(1, True), _judged(2, False, code="LW105")]
    found = [_seen(1), _seen(2, code="LW105")]
    assert precision("LW110", judged, found, [PACKAGE], "LW110").value == 1.0
    # Judged findings of a package this run did not lint do not count at all.
    other = precision("all", judged, found, [("other", "2.0")])
    assert (other.judged, other.gone_real, other.gone_false) == (0, 0, 0)


def test_the_judged_sample_round_trips_and_bad_rows_are_named(tmp_path: Path) -> None:
    path = tmp_path / "judged.csv"
    rows = [_judged(2, False), _judged(1, True)]
    save(path, rows)
    assert load(path) == sorted(rows, key=lambda j: j.key)
    path.write_text(",".join(COLUMNS) + "\ndemo,1.0,m.py,1,1,LW105,,maybe,,why\n")
    with pytest.raises(JudgementError, match=r"judged\.csv:2: verdict must be true or false"):
        load(path)
    path.write_text(",".join(COLUMNS) + "\ndemo,1.0,m.py,1,1,LW105,,false,,why\n")
    with pytest.raises(JudgementError, match="class of mistake"):
        load(path)


def test_the_committed_judged_sample_loads() -> None:
    judged = load(JUDGED)
    assert judged
    assert all(j.real or j.mistake for j in judged)


def _run(findings: list[dict[str, object]], peer: list[tuple[str, int, str]]) -> PackageRun:
    package = Installed("demo", "1.0", [])
    return PackageRun(package, 1, 10, 0.1, findings, None, [PeerRun("ruff", peer)])


def test_a_peer_finding_loopwire_does_not_report_is_missed() -> None:
    table = equivalents()
    sleep = {"path": "demo/m.py", "line": 3, "column": 5, "code": "LW102", "message": "m"}
    run = _run([sleep], [("demo/m.py", 3, "ASYNC251"), ("demo/m.py", 9, "ASYNC210")])
    assert coverage(run, run.peers[0], table) == (1, 2)
    # Codes no loopwire rule stands for (ASYNC109: a timeout parameter) are not counted.
    run = _run([], [("demo/m.py", 1, "ASYNC109")])
    assert coverage(run, run.peers[0], table) == (0, 0)


def test_a_peer_finding_judged_wrong_is_not_wanted_but_every_other_miss_still_counts() -> None:
    table = equivalents()
    wrong_one = Judgement(*PACKAGE, "demo/m.py", 9, 0, "ASYNC232", "", False, "peer", "why")
    wrong = refuted([wrong_one, _judged(1, False)])
    assert wrong == {(*PACKAGE, "demo/m.py", 9, "ASYNC232")}
    run = _run([], [("demo/m.py", 9, "ASYNC232"), ("demo/m.py", 12, "ASYNC232")])
    assert coverage(run, run.peers[0], table) == (0, 2)
    assert coverage(run, run.peers[0], table, wrong) == (0, 1)
    # The peer's verdict never enters loopwire's precision, nor its classes of mistake.
    found = [_seen(1)]
    result = precision("all", [wrong_one, _judged(1, True)], found, [PACKAGE])
    assert (result.real, result.judged, result.gone_false) == (1, 1, 0)
    assert mistakes([wrong_one], found) == {}


def test_a_peer_finding_cannot_be_judged_real(tmp_path: Path) -> None:
    path = tmp_path / "judged.csv"
    path.write_text(",".join(COLUMNS) + "\ndemo,1.0,m.py,1,0,ASYNC232,,true,,why\n")
    with pytest.raises(JudgementError, match="only a false peer finding"):
        load(path)


def test_loopwire_only_means_no_peer_reports_the_line() -> None:
    shared = {"path": "demo/m.py", "line": 3, "column": 5, "code": "LW102", "message": "m"}
    alone = {**shared, "line": 4}
    run = _run([shared, alone], [("demo/m.py", 3, "ASYNC251")])
    assert [(item.line, item.loopwire_only) for item in seen(run)] == [(3, False), (4, True)]


def test_chain_from_json_list_or_from_the_message() -> None:
    assert chain_of({"chain": ["a", "b", "os.stat"]}) == ["a", "b", "os.stat"]
    message = (
        "a calls b, which blocks the event loop: a -> b -> os.stat (LW105); "
        "run it in a thread: await asyncio.to_thread(...)"
    )
    assert chain_of({"message": message}) == ["a", "b", "os.stat"]
    assert chain_of({"message": "blocking call time.sleep in async function f"}) == []


def test_package_roots_come_from_the_wheel_record(tmp_path: Path) -> None:
    record = "\n".join(
        [
            "telegram/__init__.py,sha256=x,1",
            "telegram/ext/_app.py,sha256=x,1",
            "single.py,sha256=x,1",
            "demo-1.0.dist-info/METADATA,sha256=x,1",
            "../../bin/tool,sha256=x,1",
            "bin/tool.py,,",
            "telegram/py.typed,,",
        ]
    )
    assert distribution_roots(tmp_path, record) == [tmp_path / "single.py", tmp_path / "telegram"]


def test_a_package_with_its_own_configuration_is_linted_with_it(tmp_path: Path) -> None:
    package = Installed("demo", "1.0", [])
    table = {"demo": {"startup": ["demo.app.Server.start"]}}
    assert project_config(Installed("other", "1.0", []), table, tmp_path) == []
    option, path = project_config(package, table, tmp_path)
    assert option == "--config"
    text = Path(path).read_text()
    assert text == '[tool.loopwire]\nstartup = ["demo.app.Server.start"]\n'


def test_a_malformed_judged_sample_stops_the_session_with_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "judged.csv"
    bad.write_text(",".join(COLUMNS) + "\ndemo,1.0,m.py,1,1,LW105,,true,,one, two\n")
    assert main(["--judged", str(bad), "--output-dir", str(tmp_path)]) == 2
    assert "judged.csv:2: 11 fields, expected 10" in capsys.readouterr().err


def test_a_finding_a_peer_now_reports_too_is_neither_judged_nor_gone() -> None:
    judged = [_judged(1, False)]
    shared = Seen(*PACKAGE, "demo/m.py", 1, 5, "LW110", "a -> b -> os.stat", False)
    result = precision("all", judged, [shared], [PACKAGE])
    assert (result.judged, result.gone_real, result.gone_false) == (0, 0, 0)
    assert mistakes(judged, [shared]) == {}
