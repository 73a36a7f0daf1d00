"""The front end both guards read files through: the source file, module names from paths,
relative imports, and when a process pool pays off.

The linter (``ast``) and the wiring check (libcst) parse differently, but what a file is called
as a module, what ``from ..x import y`` means in it and how many files justify a pool are the
same questions with the same answers for both.
"""

from __future__ import annotations

import io
import os
import tokenize
from dataclasses import dataclass
from pathlib import Path

# Below this many files to parse, a process pool costs more than it saves (it starts, imports
# the guard and ships the files).
POOL_THRESHOLD = 16


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A Python file as both guards read it. Kept as bytes: the linter hands them to CPython,
    which decodes them itself, and hashes them for its cache."""

    # As findings name it: the path as given on the command line.
    path: str
    module: str
    content: bytes
    # A package's ``__init__``: its relative imports are relative to itself.
    is_package: bool = False

    @classmethod
    def of_text(cls, path: str, module: str, text: str) -> SourceFile:
        return cls(path, module, text.encode(), path.endswith("__init__.py"))

    def text(self) -> str:
        """The decoded text (PEP 263: a coding cookie's encoding, else UTF-8). Raises
        ``SyntaxError``, ``UnicodeDecodeError`` or ``LookupError`` when it cannot be decoded."""
        encoding, _ = tokenize.detect_encoding(io.BytesIO(self.content).readline)
        return self.content.decode(encoding)


def read_source(path: Path, names: ModuleNames) -> SourceFile:
    """The file at ``path`` (``OSError`` when it cannot be read), named as a module."""
    content = path.read_bytes()
    module, is_package = names.of(path)
    return SourceFile(str(path), module, content, is_package)


def absolute_module(package: str, module: str, level: int) -> str:
    """The module ``from <level dots><module> import ...`` names inside ``package`` (the module's
    own package; a package's ``__init__`` is its own package)."""
    if level == 0:
        return module
    parts = package.split(".") if package else []
    # One dot is the package itself; each further dot climbs one level.
    anchor = parts[: max(len(parts) - level + 1, 0)]
    return ".".join([*anchor, module] if module else anchor)


class ModuleNames:
    """Dotted module names from paths: parents with ``__init__.py`` are packages. Remembers
    which directories are packages, so naming a tree's files costs one ``stat`` per directory."""

    def __init__(self) -> None:
        self._is_package_dir: dict[Path, bool] = {}

    def _package_dir(self, directory: Path) -> bool:
        known = self._is_package_dir.get(directory)
        if known is None:
            known = (directory / "__init__.py").is_file()
            self._is_package_dir[directory] = known
        return known

    def of(self, path: Path) -> tuple[str, bool]:
        """(dotted module name, whether the file is a package's ``__init__``)."""
        path = Path(os.path.abspath(path))
        is_package = path.name == "__init__.py"
        parts = [] if is_package else [path.stem]
        directory = path.parent
        while self._package_dir(directory) and directory.parent != directory:
            parts.append(directory.name)
            directory = directory.parent
        if not parts:
            parts.append(path.parent.name or "module")
        return ".".join(reversed(parts)), is_package
