"""The directory walk and the scan-path checks, on real directory trees in tmp_path."""

from __future__ import annotations

import asyncio
import errno
import os
from pathlib import Path

import pytest

from service.scanner import (
    FOLDER_LIMIT,
    PathRejected,
    list_folders,
    resolve_roots,
    resolve_scan_path,
    walk_videos,
)
from service.scanner import describe_os_error as os_error


@pytest.fixture
def root(tmp_path: Path) -> Path:
    media = (tmp_path / "media").resolve()
    (media / "a" / "b").mkdir(parents=True)
    for name in ("one.mp4", "a/two.MKV", "a/b/three.webm", "a/notes.txt", "a/b/pic.png"):
        (media / name).write_bytes(b"x" * 10)
    return media


async def test_walk_keeps_only_regular_video_files_sorted(root: Path) -> None:
    os.mkfifo(root / "a" / "fifo.mp4")
    (root / "folder.mp4").mkdir()

    found = await walk_videos(root, recursive=True, roots=[root])

    assert [f.path.relative_to(root).as_posix() for f in found.files] == [
        "a/b/three.webm", "a/two.MKV", "one.mp4",
    ]  # fmt: skip
    assert all(f.size_bytes == 10 for f in found.files)
    # Left out, but not silently: the user learns why the "video" is missing.
    assert [(e.path, e.code) for e in found.errors] == [
        (str(root / "a" / "fifo.mp4"), "not_a_regular_file")
    ]


async def test_walk_not_recursive(root: Path) -> None:
    found = await walk_videos(root, recursive=False, roots=[root])
    assert [f.path.name for f in found.files] == ["one.mp4"]


async def test_dangling_and_looping_symlinks_are_errors(root: Path) -> None:
    (root / "gone.mp4").symlink_to(root / "missing.mp4")
    (root / "a" / "back").symlink_to(root, target_is_directory=True)
    (root / "a" / "ok.mp4").symlink_to(root / "one.mp4")

    found = await walk_videos(root, recursive=True, roots=[root])

    codes = {Path(e.path).name: e.code for e in found.errors}
    assert codes == {"gone.mp4": "broken_symlink", "back": "symlink_loop"}
    assert "ok.mp4" in [f.path.name for f in found.files]  # a symlink to a file inside is fine


def test_os_errors_map_to_stable_codes() -> None:
    path = Path("/m/x")
    assert os_error(path, PermissionError(errno.EACCES, "denied")).code == "permission_denied"
    assert os_error(path, OSError(errno.ELOOP, "loop")).code == "symlink_loop"
    assert os_error(path, OSError(errno.EIO, "I/O error")).message == "I/O error"


async def test_resolve_scan_path_checks_containment_first(root: Path, tmp_path: Path) -> None:
    assert await resolve_scan_path(str(root / "a" / ".." / "a"), [root]) == root / "a"
    cases = [
        (str(tmp_path), "outside_media_roots"),
        (str(tmp_path / "nowhere"), "outside_media_roots"),
        (str(root / "nowhere"), "not_found"),
        (str(root / "one.mp4"), "not_a_directory"),
    ]
    for raw, reason in cases:
        with pytest.raises(PathRejected) as caught:
            await resolve_scan_path(raw, [root])
        assert caught.value.reason == reason, raw


async def test_a_root_prefix_is_not_containment(tmp_path: Path, root: Path) -> None:
    sibling = tmp_path / "media-other"
    sibling.mkdir()
    with pytest.raises(PathRejected):
        await resolve_scan_path(str(sibling), [root])


async def test_list_folders_is_bounded(tmp_path: Path) -> None:
    wide = (tmp_path / "wide").resolve()

    def make_folders() -> None:
        for index in range(FOLDER_LIMIT + 50):
            (wide / f"d{index:04d}").mkdir(parents=True)

    await asyncio.to_thread(make_folders)

    folders = await list_folders([wide])

    assert len(folders) == FOLDER_LIMIT
    assert folders[0] == str(wide)
    assert folders == sorted(folders)


async def test_roots_must_be_existing_directories(root: Path, tmp_path: Path) -> None:
    (tmp_path / "alias").symlink_to(root, target_is_directory=True)
    assert await resolve_roots([tmp_path / "alias"]) == (root,)
    for bad in (tmp_path / "missing", root / "one.mp4"):
        with pytest.raises(NotADirectoryError, match="media root is not a directory"):
            await resolve_roots([root, bad])
