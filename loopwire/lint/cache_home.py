"""Where ``loopwire lint`` keeps its cache when ``--cache-dir`` does not say.

As ruff does: in the project found from the current directory (the nearest directory above it
with a ``pyproject.toml``), or beside the configuration named with ``--config``. Run from
outside any project, the cache goes to the user's cache directory, so linting installed code
(site-packages, the stdlib) never writes into it. Only ``os`` and ``sys`` are used: a replayed
run asks this too, before anything else is imported.
"""

from __future__ import annotations

import os
import sys

CACHE_NAME = ".loopwire_cache"


def project_root(start: str) -> str | None:
    """The nearest directory at or above ``start`` that holds a ``pyproject.toml``."""
    directory = os.path.realpath(start)
    while True:
        if os.path.isfile(os.path.join(directory, "pyproject.toml")):
            return directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def user_cache_dir() -> str:
    """The platform's per-user cache directory for loopwire."""
    home = os.path.expanduser("~")
    if sys.platform == "darwin":
        base = os.path.join(home, "Library", "Caches")
    elif os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(home, "AppData", "Local")
    else:
        xdg = os.environ.get("XDG_CACHE_HOME", "")
        # The XDG spec: a relative value is invalid and must be ignored.
        base = xdg if os.path.isabs(xdg) else os.path.join(home, ".cache")
    return os.path.join(base, "loopwire")


def default_cache_dir(config: str | None = None) -> str:
    """The cache directory of a run from the current directory (``config``: ``--config``)."""
    if config is not None:
        return os.path.join(os.path.dirname(os.path.realpath(config)), CACHE_NAME)
    root = project_root(os.getcwd())
    return os.path.join(root, CACHE_NAME) if root is not None else user_cache_dir()
