"""Open a file or folder by its real path without following any symlink on the way.

A scan lists a tree, then probes its files later; in between, anyone who can write inside a
media root can swap a file or a folder for a symlink to somewhere else. Checking the path again
would only move the race. So every open walks the path one component at a time from ``/``, each
through the folder already opened, with ``O_NOFOLLOW``: if any component is a symlink now, the
open fails instead of leaving the tree. The walk gives each found file its real path (a
containment check on that string is final); the open proves the file is still there.

The file is then handed to ffprobe as an open descriptor (``/dev/fd/N``), so ffprobe reads what
was opened here, whatever the path names by then.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from service.probe_parse import ProbeError

_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
# O_NONBLOCK: a FIFO swapped in after the walk must not hang the open; fstat rejects it next.
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


def open_directory(path: Path) -> int:
    """A descriptor of the folder at the real, absolute ``path``; OSError if a component is a
    symlink (``ELOOP``) or not a folder (``ENOTDIR``)."""
    return _walk(path, last_flags=_DIRECTORY_FLAGS)


def open_regular_file(path: Path) -> int:
    """A descriptor of the regular file at the real, absolute ``path``, or :class:`ProbeError`
    saying why not (a per-file error of the scan)."""
    try:
        fd = _walk(path, last_flags=_FILE_FLAGS)
    except OSError as exc:
        raise open_error(exc) from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        raise open_error(exc) from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise ProbeError(
            "not_a_regular_file", "no longer a regular file (replaced after the scan listed it)"
        )
    return fd


def _walk(path: Path, *, last_flags: int) -> int:
    if not path.is_absolute() or ".." in path.parts or len(path.parts) < 2:
        raise OSError(errno.EINVAL, "not a real absolute path", str(path))
    parent = os.open("/", _DIRECTORY_FLAGS)
    try:
        for part in path.parts[1:-1]:
            child = os.open(part, _DIRECTORY_FLAGS, dir_fd=parent)
            os.close(parent)
            parent = child
        return os.open(path.parts[-1], last_flags, dir_fd=parent)
    finally:
        os.close(parent)


def open_error(exc: OSError) -> ProbeError:
    """The per-file error for a failed confined open."""
    if exc.errno in (errno.ELOOP, errno.ENOTDIR):
        return ProbeError(
            "path_changed",
            "the file or a folder above it became a symlink or changed type after the scan "
            "listed it; not probed",
        )
    if exc.errno == errno.ENOENT:
        return ProbeError("file_vanished", "the file was removed after the scan listed it")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return ProbeError("permission_denied", "permission denied")
    if exc.errno in (errno.EMFILE, errno.ENFILE):
        return ProbeError("too_many_open_files", f"cannot open the file: {exc.strerror}")
    return ProbeError("unreadable", exc.strerror or str(exc))
