"""File names as bytes (readable JSON, exact base64, library keys) and the confined open."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from service.confined_open import open_directory, open_regular_file
from service.probe_parse import ProbeError
from service.schemas import path_b64, public_dumps
from service.storage import video_key

UNDECODABLE = os.fsdecode(b"/media/caf\xe9.mp4")


def test_public_json_is_valid_utf8_with_replacement_characters() -> None:
    text = public_dumps({"path": UNDECODABLE, "plain": "é"})
    assert json.loads(text.encode()) == {"path": "/media/caf\ufffd.mp4", "plain": "é"}


def test_public_json_replaces_a_lone_surrogate_that_is_no_byte_escape() -> None:
    assert json.loads(public_dumps({"x": "a\ud800b"})) == {"x": "a?b"}


def test_path_b64_is_the_exact_bytes() -> None:
    assert base64.b64decode(path_b64(UNDECODABLE)) == b"/media/caf\xe9.mp4"


def test_library_key_is_text_when_it_can_be_and_bytes_otherwise() -> None:
    assert video_key("/media/plain.mp4") == "/media/plain.mp4"
    assert video_key(UNDECODABLE) == b"/media/caf\xe9.mp4"


def test_confined_open_refuses_a_symlink_anywhere_on_the_path(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.mp4").write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "b.mp4").symlink_to(tmp_path / "real" / "a.mp4")
    os.close(open_regular_file(tmp_path / "real" / "a.mp4"))
    for path in (tmp_path / "link" / "a.mp4", tmp_path / "real" / "b.mp4"):
        with pytest.raises(ProbeError) as caught:
            open_regular_file(path)
        assert caught.value.code == "path_changed"
    with pytest.raises(OSError, match=r"Too many levels|Not a directory"):
        open_directory(tmp_path / "link")


def test_confined_open_refuses_what_is_not_a_regular_file(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "x.mp4")
    with pytest.raises(ProbeError) as caught:
        open_regular_file(tmp_path / "x.mp4")  # O_NONBLOCK: returns at once, then refused
    assert caught.value.code == "not_a_regular_file"
    with pytest.raises(ProbeError) as missing:
        open_regular_file(tmp_path / "missing.mp4")
    assert missing.value.code == "file_vanished"
