"""The fast fake ``ffprobe``: a generated POSIX shell script that starts in milliseconds.

A Python fake costs an interpreter start-up per probe (60-80 ms, more when several start at once
on few cores), so a throughput bench of the service measured Python start-up instead. The script
written here does what a run needs with shell built-ins and a few small tools (``date`` for the
log's times, ``stat`` for the file size, ``sleep``), every behaviour baked in as constants and
every tool by its absolute path (whatever ``PATH`` the service under test gives its probes).

It hands over to the Python fake (``exec``, same pid) where a shell would have to escape: a
probed path outside printable ASCII or holding ``"`` or ``\\`` (JSON would need escapes). And the
whole fake is the Python one when the configuration is not expressible here (an ``fnmatch``
bracket beyond letters, digits and ranges, a duration too fine for integer arithmetic) or the
machine lacks the tools (GNU ``date +%N``, ``stat -c``).
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import shlex
import shutil
import string
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from loopwire.harness.fake_ffprobe.script import (
    FORMAT_NAMES,
    MP4_FORMAT,
    RECORD_SUFFIX,
    VERSION_LINE,
    document,
)

SHELL = "/bin/sh"
# A probed path made only of these needs no JSON escape: printable ASCII but '"' and '\'.
# Listed, not ranges, so no locale can change them; ']' first and '-' last read as themselves.
SAFE_PATH_CHARACTERS = (
    "]" + string.ascii_letters + string.digits + " !#$%&'()*+,./:;<=>?@[^_`{|}~" + "-"
)
# Integer arithmetic of the bit rate: size * 8 * denominator must fit in 64 bits.
MAX_DENOMINATOR = 10**6
MAX_NUMERATOR = 2**62
_BRACKET_BODY = re.compile(r"(?:[A-Za-z0-9_.]|[a-z]-[a-z]|[A-Z]-[A-Z]|[0-9]-[0-9])+")

# What varies per probed file, and the shell variable holding it; in the document each stands as
# a marker, which becomes a printf %s.
_PLACEHOLDERS = {
    "filename": '"$path"',
    "size": '"$size"',
    "bit_rate": '"$rate"',
    "video_bit_rate": '"$video_rate"',
    "format_name": '"$format_name"',
    "format_long_name": '"$long_name"',
}

_PRELUDE = r"""#!/bin/sh
# Fake ffprobe written by loopwire (loopwire.harness.fake_ffprobe.shell); rewritten on every use.
# Byte-wise matching in this shell; the Python fake gets the caller's locale back.
lc_all_set=${LC_ALL+1} lc_all=${LC_ALL-}
LC_ALL=C
set -f

fallback() {
    if [ -n "$lc_all_set" ]; then LC_ALL=$lc_all; else unset LC_ALL; fi
    exec @PYTHON@ -I @SCRIPT@ "$@"
}

now() {
    @DATE@ +%s.%N
}

start_ticks() {
    # Kernel start time (field 22 of /proc/PID/stat) of $1 into $ticks, empty if unknown.
    ticks=
    { read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 0
    set -- ${stat##*\)}
    [ "$#" -ge 20 ] && ticks=${20}
}

finish() {
    printf 'E\000%s\000' "$(now)" >> "$log"
    exit "$1"
}

# The probed file: after the first "--", else after the first "-i", else the last non-option.
dd= dd_path= ii= ii_path= word= has_word= version=
for arg do
    case $dd in next) dd=found dd_path=$arg ;; esac
    case $ii in next) ii=found ii_path=$arg ;; esac
    case $arg in
        --) case $dd in '') dd=next ;; esac ;;
        -i) case $ii in '') ii=next ;; esac ;;
    esac
    case $arg in
        -version) version=1 ;;
        -*) ;;
        *) word=$arg has_word=1 ;;
    esac
done
has_path=1
case $dd,$ii,$has_word in
    found,*) path=$dd_path ;;
    *,found,*) path=$ii_path ;;
    *,*,1) path=$word ;;
    *) path= has_path= ;;
esac
# A file handed over open as /dev/fd/N: the rules and the output follow the file it is.
handed= opened=$path
case $path in
    /dev/fd/[0-9]*)
        link=/proc/$$/fd/${path#/dev/fd/}
        if resolved=$(QUOTING_STYLE=literal @STAT@ -c %N -- "$link" 2>/dev/null); then
            path=${resolved#"$link -> "} handed=1
        fi ;;
esac
safe=@SAFE@
case $path in
    *[!$safe]*) fallback "$@" ;;
esac

start=$(now)
start_ticks $$
log=@LOG_DIR@/$start-$$@SUFFIX@
{
    printf 'S\000%s\000%s\000%s\000%s\000' "$$" "$start" "$ticks" "$#"
    [ "$#" -eq 0 ] || printf '%s\000' "$@"
    [ -z "$handed" ] || printf 'P\000%s\000' "$path"
} > "$log"

if [ -n "$version" ]; then
    printf '%s\n' @VERSION@
    finish 0
fi

name=${path##*/}
# The extension as os.path.splitext sees it: leading dots belong to the name.
stem=$name
while :; do
    case $stem in
        .*) stem=${stem#.} ;;
        *) break ;;
    esac
done
case $stem in
@FORMATS@
esac

ok() {
    # The ok document; $1 $2: the duration as numerator and denominator (0 0 if not positive).
    size=$(@STAT@ -L -c %s -- "$opened" 2>/dev/null) || size=0
    case $size in '' | *[!0-9]*) size=0 ;; esac
    rate=0
    [ "$1" -eq 0 ] || rate=$((size * 8 * $2 / $1))
    video_rate=$((rate > 128000 ? rate - 128000 : 0))
}
"""


def shell_quote(text: str) -> str:
    """``text`` as one shell word, whatever it holds (a NUL cannot be in a script anyway)."""
    return "'" + text.replace("'", "'\\''") + "'"


def shell_pattern(pattern: str) -> str | None:
    """An ``fnmatch`` pattern as a ``case`` pattern matching the same ASCII names, or None.

    ``*`` and ``?`` mean the same in both; literal text is quoted. A bracket is kept only when
    it holds letters, digits, ``_``, ``.`` and ascending ranges of one class (with an optional
    leading ``!``), where the two dialects surely agree.
    """
    out: list[str] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            out.append(shell_quote("".join(literal)))
            literal.clear()

    i = 0
    while i < len(pattern):
        char = pattern[i]
        i += 1
        if char in "*?":
            flush()
            out.append(char)
            continue
        if char != "[":
            literal.append(char)
            continue
        flush()
        # fnmatch's rule for where a bracket ends: a "]" right after "[" or "[!" is literal.
        j = i
        if j < len(pattern) and pattern[j] == "!":
            j += 1
        if j < len(pattern) and pattern[j] == "]":
            j += 1
        while j < len(pattern) and pattern[j] != "]":
            j += 1
        if j >= len(pattern):
            literal.append("[")  # never closed: fnmatch reads it literally
            continue
        body = pattern[i:j]
        negated = body.startswith("!")
        body = body.removeprefix("!")
        if not _BRACKET_BODY.fullmatch(body) or any(
            low > high for low, high in re.findall(r"(.)-(.)", body)
        ):
            return None
        out.append("[" + ("!" if negated else "") + body + "]")
        i = j + 1
    flush()
    return "".join(out)


def _seconds(value: float) -> str:
    text = repr(float(value))
    return f"{value:.9f}" if "e" in text else text


def _duration_fraction(duration: float) -> tuple[int, int] | None:
    """``(numerator, denominator)`` of the decimal duration, ``(0, 0)`` if not positive."""
    if duration <= 0:
        return (0, 0)
    exact = Fraction(repr(float(duration)))
    if exact.denominator > MAX_DENOMINATOR or exact.numerator > MAX_NUMERATOR:
        return None
    return (exact.numerator, exact.denominator)


def _ok_output(behaviour: dict[str, Any]) -> list[str] | None:
    """Shell lines printing the ``ok`` document exactly as the Python fake's ``json.dump``."""
    fraction = _duration_fraction(float(behaviour["duration"]))
    if fraction is None:
        return None
    markers = {key: f"\x01{key}\x01" for key in _PLACEHOLDERS}
    try:
        text = json.dumps(document(markers, behaviour), indent=4)
    except (ValueError, ZeroDivisionError):
        return None  # a frame rate the Python fake also fails on: let it fail the same way
    # printf reads its format's backslashes and percent signs; json.dumps wrote ASCII only.
    text = text.replace("\\", "\\\\").replace("%", "%%") + "\\n"
    encoded = {
        json.dumps(markers[key])[1:-1].replace("\\", "\\\\"): variable
        for key, variable in _PLACEHOLDERS.items()
    }
    arguments = " ".join(encoded[key] for key in sorted(encoded, key=text.index))
    for key in encoded:
        text = text.replace(key, "%s")
    return [f"ok {fraction[0]} {fraction[1]}", f"printf {shell_quote(text)} {arguments}"]


def _behaviour_body(behaviour: dict[str, Any], sleep: str) -> list[str] | None:
    mode = behaviour["mode"]
    delay = float(behaviour["delay"])
    hang = float(behaviour["hang_seconds"])
    if math.isnan(delay) or math.isnan(hang) or mode == "flood":
        return None  # the Python fake does it
    lines: list[str] = []
    if mode == "grandchild":
        lines += [
            f"{sleep} {_seconds(hang)} < /dev/null &",
            "grandchild=$!",
            'start_ticks "$grandchild"',
            'printf \'G\\000%s\\000%s\\000\' "$grandchild" "$ticks" >> "$log"',
        ]
    if mode == "hang" or (mode == "grandchild" and behaviour["after_spawn"] == "hang"):
        # The fake becomes the sleep: same pid, and a kill of that pid ends it.
        return [*lines, f"exec {sleep} {_seconds(delay + hang)}"]
    if delay > 0:
        # Off the output pipes: a service that kills only the fake must not wait on this.
        lines.append(f"{sleep} {_seconds(delay)} < /dev/null > /dev/null 2>&1")
    if mode == "garbage":
        lines += ["printf 'this is not JSON {\\000 ]]\\n'", "finish 0"]
    elif mode == "fail":
        lines += [
            "shown=$path",
            '[ -n "$has_path" ] || shown=None',
            f"printf '%s: %s\\n' \"$shown\" {shell_quote(str(behaviour['stderr']))} >&2",
            f"finish {int(behaviour['exit_code']) % 256}",
        ]
    else:
        output = _ok_output(behaviour)
        if output is None:
            return None
        lines += [*output, "finish 0"]
    return lines


def _format_cases() -> str:
    def pattern(extension: str) -> str:
        return "*" + "".join(
            f"[{c.lower()}{c.upper()}]" if c.isalpha() else shell_quote(c) for c in extension
        )

    cases = [
        f"    {pattern(extension)}) format_name={shell_quote(names[0])} "
        f"long_name={shell_quote(names[1])} ;;"
        for extension, names in FORMAT_NAMES.items()
    ]
    cases.append(
        f"    *) format_name={shell_quote(MP4_FORMAT[0])} long_name={shell_quote(MP4_FORMAT[1])} ;;"
    )
    return "\n".join(cases)


def fast_script(config: dict[str, Any], python: str, script: Path, tools: ShellTools) -> str | None:
    """The shell fake for ``config`` (as the Python fake reads it), None if not expressible.

    ``python`` and ``script`` are the Python fake, run for paths the shell does not handle.
    """
    behaviours = [*(b for _, b in config["rules"]), config["default"]]
    patterns = [shell_pattern(pattern) for pattern, _ in config["rules"]]
    bodies = [_behaviour_body(b, shlex.quote(tools.sleep)) for b in behaviours]
    if any(p is None for p in patterns) or any(b is None for b in bodies):
        return None
    replacements = {
        "@PYTHON@": shlex.quote(python),
        "@DATE@": shlex.quote(tools.date),
        "@STAT@": shlex.quote(tools.stat),
        "@SCRIPT@": shlex.quote(str(script)),
        "@SAFE@": shell_quote(SAFE_PATH_CHARACTERS),
        "@LOG_DIR@": shell_quote(str(config["log_dir"])),
        "@SUFFIX@": RECORD_SUFFIX,
        "@VERSION@": shell_quote(VERSION_LINE),
        "@FORMATS@": _format_cases(),
    }
    text = _PRELUDE
    for key, value in replacements.items():
        text = text.replace(key, value)
    lines = [text]
    for index, body in enumerate(bodies):
        lines.append(f"behaviour_{index}() {{")
        lines += [f"    {line}" for line in body or ()]
        lines.append("}")
    lines.append("case $name in")
    for index, pattern in enumerate(patterns):
        lines.append(f"    {pattern}) behaviour_{index} ;;")
    lines.append(f"    *) behaviour_{len(patterns)} ;;")
    lines.append("esac")
    return "\n".join(lines) + "\n"


def fallback_script(python: str, script: Path) -> str:
    """A shell fake that is the Python fake for every run."""
    return f'#!{SHELL}\nexec {shlex.quote(python)} -I {shlex.quote(str(script))} "$@"\n'


@dataclass(frozen=True)
class ShellTools:
    """Absolute paths of the tools the shell fake runs."""

    date: str
    stat: str
    sleep: str


@functools.cache
def find_shell_tools() -> ShellTools | None:
    """The tools of the fast fake if this machine has them all (``/bin/sh``, a ``date`` that
    knows ``%N``, a ``stat`` that knows ``-c``, ``sleep``), else None."""
    found = [shutil.which(name) for name in ("date", "stat", "sleep")]
    # Absolute, but not resolved: a multi-call binary (busybox) needs the name it was run by.
    date, stat, sleep = (os.path.abspath(path) if path else None for path in found)
    if date is None or stat is None or sleep is None or not Path(SHELL).is_file():
        return None
    try:
        result = subprocess.run(
            [SHELL, "-c", f"{shlex.quote(date)} +%s.%N && {shlex.quote(stat)} -L -c %s -- /"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = result.stdout.split()
    works = (
        result.returncode == 0
        and len(lines) == 2
        and re.fullmatch(r"\d+\.\d{9}", lines[0]) is not None
        and lines[1].isdigit()
    )
    return ShellTools(date=date, stat=stat, sleep=sleep) if works else None
