"""LW105 blocking-path-io: one rule unit (description, message, examples).

A file-system query (`os.path.exists`, `Path.read_text`, ...) on the event loop.
"""

from __future__ import annotations

from loopwire.core.rule import Example, Expected, Fix, Rule, Safety
from loopwire.lint.rules.common import DIRECT_MESSAGE, Rewrite

RULE = Rule(
    code="LW105",
    slug="blocking-path-io",
    summary=("A file-system query (`os.path.exists`, `Path.read_text`, ...) on the event loop."),
    message=DIRECT_MESSAGE,
    rationale=(
        "`os.path.exists`, `Path.stat`, `Path.iterdir`, `os.scandir`, `os.walk`, "
        "`glob.glob` and friends make system calls that block on the disk (a walk of a "
        "large media tree for seconds). `abspath`, `relpath` and `expanduser` read the "
        "working directory or the password database and are reported, as ruff and "
        "flake8-async do (also `normpath`, which only computes, so a project moving from "
        "them loses nothing), but no LW110 chain ends in them; `join`, `basename`, "
        "`dirname` and `splitext` are not reported. "
        "A value keeps its kind through `Path(x) if c else None`, a `-> Path` return "
        "annotation and iteration (`Path.iterdir()` yields paths)."
    ),
    suggestion="asyncio.to_thread (or anyio.Path)",
    aliases=("ASYNC240",),
    fix=Fix(Safety.UNSAFE, Rewrite.TO_THREAD),
    valid=(
        Example(
            """
            import os.path

            async def name(path):
                return os.path.join(os.path.dirname(path), 'x')
            """,
        ),
        Example(
            """
            from pathlib import Path

            async def name(path):
                return Path(path).name
            """,
        ),
    ),
    invalid=(
        Example(
            """
            from pathlib import Path

            def data_dir() -> Path:
                return Path('data')

            async def load(name, local):
                path = Path(name) if local else None
                for entry in data_dir().iterdir():
                    entry.stat()
                return path.read_bytes()
            """,
            title="Kinds survive a conditional, a return annotation and iteration.",
            expected=(
                Expected(8, 18, "Path.iterdir"),
                Expected(9, 9, "entry.stat"),
                Expected(10, 12, "path.read_bytes"),
            ),
        ),
        Example(
            """
            import os

            async def check(path):
                return os.path.exists(path)
            """,
            expected=(Expected(4, 12, "os.path.exists"),),
            replacement="""
            import asyncio
            import os

            async def check(path):
                return await asyncio.to_thread(os.path.exists, path)
            """,
        ),
        Example(
            """
            from pathlib import Path

            async def load(path):
                return Path(path).read_text()
            """,
            expected=(Expected(4, 12, "Path.read_text"),),
        ),
        Example(
            """
            from pathlib import Path

            async def scan(root: Path):
                return list(root.iterdir())
            """,
            expected=(Expected(4, 17, "root.iterdir"),),
            replacement="""
            from pathlib import Path

            async def scan(root: Path):
                return list(root.iterdir())
            """,
        ),
        Example(
            """
            import os

            async def scan(root):
                return [name for _, _, names in os.walk(root) for name in names]
            """,
            expected=(Expected(4, 37, "os.walk"),),
        ),
        Example(
            """
            from dataclasses import dataclass
            from pathlib import Path

            @dataclass
            class Library:
                root: Path

                async def ready(self):
                    return self.root.is_dir()
            """,
            expected=(Expected(9, 16, "self.root.is_dir"),),
        ),
        Example(
            """
            from pathlib import Path

            class Library:
                def __init__(self, name):
                    root = Path(name)
                    self.root = root

                async def ready(self):
                    return self.root.is_dir()
            """,
            expected=(Expected(9, 16, "self.root.is_dir"),),
        ),
    ),
)
