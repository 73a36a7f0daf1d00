"""The public face of the fake external programs: import from here, not from the internals.

A fake program is a real executable that the service under test finds on ``PATH`` (or is given
by path) and really spawns, waits for, times out and kills. What each run does is a
:class:`Behaviour`, chosen by the file the run works on:

- the file is the word after ``--``, else after ``-i``, else the last argument not starting with
  ``-`` (so ``prog -v -i in.mp4``, ``prog -- -odd-name.mp4`` and ``prog --flag in.mp4`` all work
  on the named file); ``/dev/fd/N`` (a file the caller opened and handed over) stands for the
  file it is open on;
- its basename is matched against the ``rules`` patterns (``fnmatch``, case-sensitive) in order,
  first match wins; a file no pattern matches gets ``default``.

So delays, hangs, failures and grandchildren are written as rules over file names,
``{"slow*.mp4": Behaviour(delay=2), "bad*": Behaviour(mode="fail", exit_code=2),
"*.mkv": Behaviour(mode="hang")}``, with ``Behaviour(output="...")`` for what an ``ok`` run prints.
A ``schedule`` goes by start order instead: the Nth run (0 first) takes ``schedule[N]`` whatever
its file, and runs past its end fall back to the rules (``-version`` runs take no turn).
Every run logs itself; :class:`FakeProgram` reads the log (``invocations()``,
``max_concurrency()``, ``alive_pids()``, ``kill_survivors()``). ``ffprobe`` is one preset:
without ``output`` its ``ok`` runs print an ffprobe-shaped JSON document. ``ffmpeg`` is the
other (:func:`write_fake_ffmpeg`): its runs report ``-progress`` as they go (see
:class:`Behaviour`).
"""

from __future__ import annotations

from loopwire.harness.fake_ffprobe.fakes import (
    MODES,
    Behaviour,
    FakeFfprobe,
    Mode,
    write_fake_ffmpeg,
    write_fake_ffprobe,
    write_fake_program,
)
from loopwire.harness.fake_ffprobe.log import Invocation

# One type for every fake, whatever program it stands in for.
FakeProgram = FakeFfprobe

__all__ = [
    "MODES",
    "Behaviour",
    "FakeProgram",
    "Invocation",
    "Mode",
    "write_fake_ffmpeg",
    "write_fake_ffprobe",
    "write_fake_program",
]
