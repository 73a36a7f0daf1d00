"""Replays a whole ``loopwire lint`` run when nothing it depends on has changed since.

Even with every per-file result cached, a run still imports the linter, reads and hashes every
file and redoes the cross-module pass: several times the cost of the interpreter start. So a
completed run (exit 0 or 1) records what it depended on, next to the content-hash cache, with its
output; a later run with the same command line, working directory and interpreter stats those
paths and, when every one is unchanged, prints the recorded output without importing the linter.

What a run depends on, and how a change to it shows:

- every file it read (linted sources, the ``pyproject.toml`` in use, the linter's own modules) and
  every directory of linted code it walked (an entry added, removed or renamed changes a
  directory's times):
  ``stat()`` identity, size, mtime and ctime. Such a stat is only trusted when the file last
  changed well before the run began: two writes of the same size within one timestamp tick would
  otherwise look alike (git's "racily clean" files), so a run that read anything that fresh is
  not recorded;
- the directories above each path named on the command line, which decide the module names
  (``__init__.py``) and the configuration (the nearest ``pyproject.toml``): whether those two
  files exist, taken before and after the run, which must agree;
- the set of the linter's own modules (one added or removed), by name, also taken before and after
  the run. Not by its directories' times: an installed linter's first run writes its bytecode
  into new ``__pycache__`` directories beside its modules, which makes those times as fresh as
  the run itself, so that run, and any other within the racy window, would never be recorded.

Only command lines made of the options below are replayed; any other option (``--no-cache``
asks for fresh analysis) runs normally.
"""

from __future__ import annotations

import io
import marshal
import os
import sys
import time

# Not ``typing.TYPE_CHECKING``: a replayed run imports nothing beyond what the interpreter has
# loaded at start-up (importing typing, json or re would cost as much as the replay itself).
# mypy treats any constant of this name as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any, TextIO

# Options whose value is the next argument (or follows ``=``); no other option is replayed.
_OPTIONS = frozenset(
    {"--format", "--select", "--ignore", "--exclude", "--config", "--cache-dir", "--jobs"}
)
# A file changed less than this before the run began may share its timestamp with a later edit
# (coarse file-system clocks; FAT keeps two-second times), so its stat() proves nothing.
RACY_NS = 2_000_000_000
# Records are marshal data, like the bytecode cache beside the sources: the fastest format to
# load, readable only by the same Python version, hence the version tag in the name.
RECORDS = f"runs.{sys.implementation.cache_tag}.marshal"
_FORMAT = 2
# Distinct command lines remembered per cache directory (pre-commit passes varying file lists).
_MAX_RUNS = 16
_REPLAYED_STATUSES = (0, 1)
_LINTER = os.path.dirname(os.path.abspath(__file__))
_TOOLKIT = os.path.dirname(_LINTER)
_CORE = os.path.join(_TOOLKIT, "core")

# (device, inode, size, mtime_ns, ctime_ns)
Signature = tuple[int, int, int, int, int]


def replayable(argv: Sequence[str]) -> bool:
    # LOOPWIRE_REPLAY=0: always analyse (through the content-hash cache), e.g. on a file system
    # whose timestamps cannot be trusted.
    return os.environ.get("LOOPWIRE_REPLAY") != "0" and _parse(argv) is not None


def replay(argv: Sequence[str]) -> int | None:
    """Print the recorded output of an identical earlier run and return its exit status; None
    when there is none, or anything it depended on has changed."""
    parsed = _parse(argv)
    if parsed is None:
        return None
    _, options = parsed
    try:
        record = _load(_cache_dir(options)).get(_key(argv))
    except OSError:
        # No working directory any more, say: the normal run reports what is wrong.
        return None
    if not isinstance(record, dict) or not _unchanged(record):
        return None
    stdout, stderr, status = record.get("stdout"), record.get("stderr"), record.get("status")
    if not (isinstance(stdout, str) and isinstance(stderr, str) and status in _REPLAYED_STATUSES):
        return None
    sys.stdout.write(stdout)
    sys.stdout.flush()
    sys.stderr.write(stderr)
    return int(status)


def run_recorded(argv: Sequence[str], args: argparse.Namespace, run: Callable[[], int]) -> int:
    """``run()`` the command with its output captured; record it if it can be replayed."""
    import contextlib
    from typing import TextIO, cast

    from loopwire.config import ConfigError

    started = time.time_ns()
    parsed = _parse(argv)
    probes = _probes(parsed[0]) if parsed is not None else []
    code = _code()
    out, err = _Tee(sys.stdout), _Tee(sys.stderr)
    sys.stdout, sys.stderr = cast(TextIO, out), cast(TextIO, err)
    try:
        status = run()
    finally:
        sys.stdout, sys.stderr = out.stream, err.stream
    if parsed is None or status not in _REPLAYED_STATUSES:
        return status
    # A record that cannot be written (or a configuration edited meanwhile) only loses the
    # next run its speed-up.
    with contextlib.suppress(OSError, ConfigError):
        _record(argv, args, parsed, (probes, code), started, status, out.parts, err.parts)
    return status


def _record(
    argv: Sequence[str],
    args: argparse.Namespace,
    parsed: tuple[list[str], dict[str, str]],
    before: tuple[list[tuple[str, bool]], list[str]],
    started: int,
    status: int,
    stdout: list[str],
    stderr: list[str],
) -> None:
    probes, code = before
    if _probes(parsed[0]) != probes or _code() != code:
        return
    stats = _stats(args, code)
    if stats is None or any(signature[4] >= started - RACY_NS for _, signature in stats):
        return
    record = {
        "time": started,
        "stats": stats,
        "probes": probes,
        "code": code,
        "stdout": "".join(stdout),
        "stderr": "".join(stderr),
        "status": status,
    }
    _save(_cache_dir(parsed[1]), _key(argv), record)


class _Tee(io.TextIOBase):
    """Passes writes through to ``stream`` and keeps a copy."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()


def _parse(argv: Sequence[str]) -> tuple[list[str], dict[str, str]] | None:
    """(paths, last value of each option), or None if the command line is not replayable."""
    paths: list[str] = []
    options: dict[str, str] = {}
    arguments = iter(argv)
    for argument in arguments:
        if not argument.startswith("-"):
            paths.append(argument)
            continue
        name, equals, value = argument.partition("=")
        if name not in _OPTIONS:
            return None
        if not equals:
            following = next(arguments, None)
            if following is None:
                return None
            value = following
        options[name] = value
    return paths, options


def _key(argv: Sequence[str]) -> tuple[tuple[str, ...], str, str]:
    return tuple(argv), os.getcwd(), sys.executable


def _cache_dir(options: dict[str, str]) -> str:
    """Where ``loopwire lint`` keeps its cache for these options (as ``loopwire.lint.command``
    decides it: ``--cache-dir``, else ``loopwire.lint.cache_home``; never the linted paths)."""
    if "--cache-dir" in options:
        return options["--cache-dir"]
    from loopwire.lint.cache_home import default_cache_dir

    return default_cache_dir(options.get("--config"))


def _ancestors(directory: str) -> Iterable[str]:
    while True:
        yield directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return
        directory = parent


def _join(directory: str, name: str) -> str:
    return os.path.join(directory, name)


def _probes(paths: Sequence[str]) -> list[tuple[str, bool]]:
    """Whether ``__init__.py`` and ``pyproject.toml`` exist in each directory above the paths
    named on the command line (as given and resolved: module names use the first, the
    configuration search the second)."""
    directories: dict[str, None] = {}
    for path in paths or ["."]:
        for start in (os.path.abspath(path), os.path.realpath(path)):
            directories.update(dict.fromkeys(_ancestors(os.path.dirname(start))))
            if os.path.isdir(start):
                directories[start] = None
    return [
        (_join(d, name), os.path.isfile(_join(d, name)))
        for d in directories
        for name in ("__init__.py", "pyproject.toml")
    ]


def _signature(path: str) -> Signature | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _stats(args: argparse.Namespace, code: list[str]) -> list[tuple[str, Signature]] | None:
    """Signatures of everything the run read or walked (``code``: the linter's modules); None
    if one vanished meanwhile."""
    from pathlib import Path

    from loopwire.config import find_pyproject, load_config
    from loopwire.discovery import Excludes, iter_python_files

    paths: list[Path] = args.paths or [Path(".")]
    config = load_config(start=paths[0], explicit=args.config)
    excludes = Excludes([*config.strings("exclude"), *(args.exclude or [])], config.root)
    walked: list[str] = []
    read = [str(path) for path in iter_python_files(paths, excludes, walked)]
    source = args.config or find_pyproject(paths[0])
    if source is not None:
        read.append(str(source))
    read += code
    stats: list[tuple[str, Signature]] = []
    for path in (*walked, *read):
        signature = _signature(os.path.abspath(path))
        if signature is None:
            return None
        stats.append((os.path.abspath(path), signature))
    return stats


def _code() -> list[str]:
    """The linter's own modules, sorted: the toolkit's top-level modules, the shared core and
    the whole lint package (what ``loopwire.lint.cache.analysis_sources`` names)."""
    with os.scandir(_TOOLKIT) as entries:
        found = [entry.path for entry in entries if entry.name.endswith(".py")]
    for package in (_CORE, _LINTER):
        for directory, subdirectories, files in os.walk(package):
            subdirectories[:] = [d for d in subdirectories if d != "__pycache__"]
            found += [os.path.join(directory, name) for name in files if name.endswith(".py")]
    return sorted(found)


def _unchanged(record: dict[str, Any]) -> bool:
    try:
        return (
            all(_signature(path) == signature for path, signature in record["stats"])
            and all(os.path.isfile(path) == exists for path, exists in record["probes"])
            and _code() == record["code"]
        )
    except (KeyError, TypeError, ValueError):
        return False


def _load(directory: str) -> dict[Any, Any]:
    try:
        with open(_join(directory, RECORDS), "rb") as fh:
            document = marshal.load(fh)
    except (OSError, EOFError, ValueError, TypeError):
        return {}
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        return {}
    runs = document.get("runs")
    return runs if isinstance(runs, dict) else {}


def _save(directory: str, key: tuple[tuple[str, ...], str, str], record: dict[str, Any]) -> None:
    from loopwire.lint.cache import write_atomically

    runs = _load(directory)
    runs[key] = record
    by_age = sorted(runs, key=lambda k: runs[k].get("time", 0) if isinstance(runs[k], dict) else 0)
    kept = {k: runs[k] for k in by_age[-_MAX_RUNS:]}
    write_atomically(directory, RECORDS, marshal.dumps({"format": _FORMAT, "runs": kept}))
