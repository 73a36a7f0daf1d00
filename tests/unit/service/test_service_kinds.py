"""The frame-job kinds: every module of ``service/kinds/`` is a registered kind (a kind is one
module plus its line in ``KINDS``), and each writes only under the folder it is given."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from pathlib import Path

import pytest

import service.kinds
from service.kinds import KINDS, FrameKind
from service.schemas import InvalidRequest


def kind_modules() -> list[str]:
    return sorted(info.name for info in pkgutil.iter_modules(service.kinds.__path__))


def registry_problems(kinds: Mapping[str, FrameKind]) -> list[str]:
    """Kind modules missing from ``kinds``, or registered under another name than their own."""
    problems = []
    for name in kind_modules():
        module = importlib.import_module(f"service.kinds.{name}")
        if kinds.get(name) is not module.KIND:
            problems.append(f"service/kinds/{name}.py: its KIND is not KINDS[{name!r}]")
    return problems


def test_every_kind_module_is_registered_under_its_own_name() -> None:
    assert kind_modules() == ["thumbnails", "transcode"]
    assert registry_problems(KINDS) == []
    assert sorted(KINDS) == kind_modules()


def test_negative_control_a_kind_module_left_out_of_the_registry_is_reported() -> None:
    partial = {name: kind for name, kind in KINDS.items() if name != "transcode"}
    assert registry_problems(partial) == [
        "service/kinds/transcode.py: its KIND is not KINDS['transcode']"
    ]


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_kind_writes_only_under_its_output_folder(name: str, tmp_path: Path) -> None:
    kind = KINDS[name]
    arguments = kind.arguments(kind.parse_params({}), tmp_path / "out")
    paths = [argument for argument in arguments if argument.startswith("/")]
    assert paths, arguments
    assert all(Path(path).parent == tmp_path / "out" for path in paths), paths
    assert arguments[-1] in paths  # ffmpeg's last argument is an output


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("thumbnails", {"every_seconds": -1}),
        ("thumbnails", {"every_seconds": float("nan")}),
        ("transcode", {"height": 241}),
        ("transcode", {"height": 4320}),
        ("transcode", {"height": "240"}),
    ],
)
def test_bad_parameters_are_refused_by_name(name: str, body: dict[str, object]) -> None:
    with pytest.raises(InvalidRequest, match=f"field '{next(iter(body))}'"):
        KINDS[name].parse_params(body)


def test_transcode_scales_down_only_to_an_even_height(tmp_path: Path) -> None:
    kind = KINDS["transcode"]
    arguments = kind.arguments(kind.parse_params({"height": 360}), tmp_path)
    assert arguments[arguments.index("-vf") + 1] == "scale=-2:trunc(min(ih\\,360)/2)*2"
