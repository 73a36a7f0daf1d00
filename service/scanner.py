"""Find the files a scan should probe, without blocking the loop and without trusting the disk.

All filesystem work runs in worker threads (``asyncio.to_thread``), a batch of directories at a
time, so a huge tree never holds the loop. Only regular files with a video extension are kept:
a FIFO named ``x.mp4`` is never opened, so it cannot hang the scan. Symlinks are followed only
while they stay inside a media root, and only as the walk resolved them: folders are opened and
files are later probed without following any symlink (see :mod:`service.confined_open`). Loops
and unreadable folders become per-path errors.
"""

from __future__ import annotations

import asyncio
import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from service.confined_open import open_directory
from service.schemas import FileError, file_error

VIDEO_EXTENSIONS = frozenset(
    {
        ".3gp", ".avi", ".flv", ".m2ts", ".m4v", ".mkv", ".mov", ".mp4", ".mpeg", ".mpg",
        ".mts", ".ogv", ".ts", ".vob", ".webm", ".wmv",
    }
)  # fmt: skip
# Directories listed per worker-thread call: big enough to amortise the hop, small enough that
# a cancel is noticed between batches.
_BATCH_DIRECTORIES = 16

RejectReason = Literal["outside_media_roots", "not_found", "not_a_directory", "not_a_file"]


class PathRejected(Exception):
    """The requested scan path is not acceptable; ``reason`` says why (the handler picks the
    HTTP status)."""

    def __init__(self, reason: RejectReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class ScanPathUnreadable(Exception):
    """The scanned directory itself cannot be read (it vanished or lost its permissions after
    the request was accepted): the job fails with this clear reason."""

    code = "scan_path_unreadable"


@dataclass(frozen=True, slots=True)
class FoundFile:
    """A file to probe: ``path`` as listed under the scanned folder (what the job reports),
    ``real_path`` with the in-root symlinks resolved (what the probe opens, following none)."""

    path: Path
    real_path: Path
    size_bytes: int


@dataclass(slots=True)
class WalkResult:
    files: list[FoundFile] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)


async def resolve_roots(roots: Sequence[Path]) -> tuple[Path, ...]:
    """The media roots with symlinks resolved, so containment checks compare real paths.

    Raises :class:`NotADirectoryError` for a root that is not an existing directory: a typo
    in ``--media-root`` must stop the start, not leave a service where every scan is a 404.
    """
    return await asyncio.to_thread(_resolve_roots, tuple(roots))


def _resolve_roots(roots: tuple[Path, ...]) -> tuple[Path, ...]:
    resolved = tuple(Path(os.path.realpath(root)) for root in roots)
    for given, real in zip(roots, resolved, strict=True):
        if not real.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "media root is not a directory", str(given))
    return resolved


def is_inside(path: Path, roots: Sequence[Path]) -> bool:
    """Whether an already resolved ``path`` lies in (or is) one of the resolved ``roots``."""
    return any(path == root or path.is_relative_to(root) for root in roots)


async def resolve_scan_path(raw: str, roots: Sequence[Path]) -> Path:
    """The real directory a scan request names, or :class:`PathRejected`.

    The containment check comes first so that a path outside the roots is refused the same way
    whether or not it exists (no probing of the rest of the filesystem through error codes).
    """
    return await asyncio.to_thread(_resolve_scan_path, raw, tuple(roots))


def _resolve_scan_path(raw: str, roots: tuple[Path, ...]) -> Path:
    resolved, mode = _resolve_inside(raw, roots)
    if not stat.S_ISDIR(mode):
        raise PathRejected("not_a_directory", f"{raw!r} is not a directory")
    return resolved


async def resolve_media_file(raw: str, roots: Sequence[Path]) -> Path:
    """The real regular file a frame job names, or :class:`PathRejected` (same order of checks
    as :func:`resolve_scan_path`). The job later opens it beneath no symlink."""
    return await asyncio.to_thread(_resolve_media_file, raw, tuple(roots))


def _resolve_media_file(raw: str, roots: tuple[Path, ...]) -> Path:
    resolved, mode = _resolve_inside(raw, roots)
    if not stat.S_ISREG(mode):
        raise PathRejected("not_a_file", f"{raw!r} is not a regular file")
    return resolved


def _resolve_inside(raw: str, roots: tuple[Path, ...]) -> tuple[Path, int]:
    resolved = Path(os.path.realpath(os.path.abspath(raw)))
    if not is_inside(resolved, roots):
        raise PathRejected("outside_media_roots", f"{raw!r} is not inside a media root")
    try:
        mode = os.stat(resolved).st_mode
    except FileNotFoundError:
        raise PathRejected("not_found", f"{raw!r} does not exist") from None
    except OSError as exc:
        raise PathRejected("not_found", f"{raw!r} cannot be read: {exc.strerror}") from None
    return resolved, mode


async def walk_videos(top: Path, recursive: bool, roots: Sequence[Path]) -> WalkResult:
    """Every video file under the resolved directory ``top``, sorted by path, plus the paths
    that could not be walked. Folders are listed through descriptors opened without following
    symlinks (:mod:`service.confined_open`): a folder swapped for a symlink mid-walk is an
    error, not a way out of the roots."""
    result = WalkResult()
    pending = [(top, top)]
    try:
        top_info = await asyncio.to_thread(os.stat, top)
    except OSError as exc:
        raise ScanPathUnreadable(f"cannot read {top}: {exc.strerror or exc}") from None
    seen_directories = {(top_info.st_dev, top_info.st_ino)}
    while pending:
        batch, pending = pending[:_BATCH_DIRECTORIES], pending[_BATCH_DIRECTORIES:]
        listings = await asyncio.to_thread(_list_directories, batch, tuple(roots))
        for listing in listings:
            result.files.extend(listing.files)
            result.errors.extend(listing.errors)
            if not recursive:
                continue
            for directory, real, identity in listing.directories:
                if identity in seen_directories:
                    result.errors.append(
                        file_error(
                            path=str(directory),
                            code="symlink_loop",
                            message="directory already visited through another path (symlink loop)",
                        )
                    )
                    continue
                seen_directories.add(identity)
                pending.append((directory, real))
    result.files.sort(key=lambda found: str(found.path))
    result.errors.sort(key=lambda error: error.path)
    return result


@dataclass(slots=True)
class _Listing:
    files: list[FoundFile] = field(default_factory=list)
    directories: list[tuple[Path, Path, tuple[int, int]]] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)


def _list_directories(
    directories: Sequence[tuple[Path, Path]], roots: tuple[Path, ...]
) -> list[_Listing]:
    return [_list_directory(directory, real, roots) for directory, real in directories]


def _list_directory(directory: Path, real: Path, roots: tuple[Path, ...]) -> _Listing:
    listing = _Listing()
    try:
        fd = open_directory(real)
    except OSError as exc:
        listing.errors.append(describe_os_error(directory, exc))
        return listing
    try:
        with os.scandir(fd) as entries:
            for entry in entries:
                _classify(entry, directory, real, roots, listing)
    except OSError as exc:
        listing.errors.append(describe_os_error(directory, exc))
    finally:
        os.close(fd)
    return listing


def _classify(
    entry: os.DirEntry[str],
    directory: Path,
    real_directory: Path,
    roots: tuple[Path, ...],
    listing: _Listing,
) -> None:
    path = directory / entry.name
    real = real_directory / entry.name
    try:
        if entry.is_symlink():
            real = Path(os.path.realpath(real))
            if not is_inside(real, roots):
                listing.errors.append(
                    file_error(
                        path=str(path),
                        code="outside_media_roots",
                        message="symlink points outside the media roots; not followed",
                    )
                )
                return
            # The resolved target itself: realpath left no symlink in it, unless it loops.
            info = os.stat(real, follow_symlinks=False)
        else:
            info = entry.stat(follow_symlinks=False)
    except OSError as exc:
        if exc.errno == errno.ENOENT and entry.is_symlink():
            # What is missing is the link's target, not the entry.
            listing.errors.append(
                file_error(
                    path=str(path), code="broken_symlink", message="symlink target is missing"
                )
            )
        else:
            listing.errors.append(describe_os_error(path, exc))
        return
    if stat.S_ISLNK(info.st_mode):
        # realpath() gives up on a symlink that resolves to itself and returns a link.
        listing.errors.append(describe_os_error(path, OSError(errno.ELOOP, "symlink loop")))
    elif stat.S_ISDIR(info.st_mode):
        listing.directories.append((path, real, (info.st_dev, info.st_ino)))
    elif path.suffix.lower() not in VIDEO_EXTENSIONS:
        return
    elif stat.S_ISREG(info.st_mode):
        listing.files.append(FoundFile(path=path, real_path=real, size_bytes=info.st_size))
    else:
        # Never opened (a FIFO would block its reader), but reported: a user looking for this
        # "video" must learn why the scan left it out.
        listing.errors.append(
            file_error(
                path=str(path),
                code="not_a_regular_file",
                message="not a regular file (a FIFO, socket or device); not probed",
            )
        )


def describe_os_error(path: Path, exc: OSError) -> FileError:
    """The per-path error a walk reports for ``exc``, with a stable code."""
    if exc.errno == errno.ELOOP:
        return file_error(
            path=str(path), code="symlink_loop", message="too many levels of symlinks"
        )
    if exc.errno in (errno.EACCES, errno.EPERM):
        return file_error(path=str(path), code="permission_denied", message="permission denied")
    return file_error(path=str(path), code="unreadable", message=exc.strerror or str(exc))


FOLDER_DEPTH = 3
FOLDER_LIMIT = 1000


async def list_folders(roots: Sequence[Path]) -> list[str]:
    """Each root and its sub-directories down to ``FOLDER_DEPTH`` levels, at most
    ``FOLDER_LIMIT`` of them, sorted: what a folder picker offers."""
    return await asyncio.to_thread(_list_folders, tuple(roots))


def _list_folders(roots: tuple[Path, ...]) -> list[str]:
    found: set[str] = set()
    # Breadth-first, so that when the limit cuts the list it drops the deepest folders.
    level = list(roots)
    for depth in range(FOLDER_DEPTH + 1):
        following: list[Path] = []
        for directory in level:
            if len(found) >= FOLDER_LIMIT:
                return sorted(found)
            found.add(str(directory))
            if depth == FOLDER_DEPTH:
                continue
            try:
                with os.scandir(directory) as entries:
                    # Symlinked folders are skipped: they may leave the roots or loop.
                    following.extend(
                        Path(entry.path) for entry in entries if entry.is_dir(follow_symlinks=False)
                    )
            except OSError:
                continue  # unreadable: offered, but its children cannot be listed
        level = sorted(following)
    return sorted(found)
