"""Which class a name in code refers to, when two classes share it.

The wiring check matches classes by name across the project (a construction anywhere sets the
fields of every schema of that name). Where a reference resolves to a class that is not a schema
(``from .guild import Guild``, the model class, beside a ``Guild`` TypedDict of payloads), it is
that class, and it sets or carries nothing of the schema. A reference through a package that
re-exports (``discord.Message``) names the class of that name nearest the package's top.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from loopwire.wiring.facts import ModuleFacts
from loopwire.wiring.schemas import Schema


class References:
    def __init__(self, modules: Iterable[ModuleFacts], schemas: Sequence[Schema]) -> None:
        schema_ids = {id(schema.facts) for schema in schemas}
        # Top-level packages of the project: a reference into any other names a library class.
        self._roots: set[str] = set()
        # Class name -> (defining module, is it a schema) for every class of the project.
        self._classes: dict[str, list[tuple[str, bool]]] = {}
        for module in modules:
            self._roots.add(module.module.partition(".")[0])
            for facts in module.classes:
                entry = (facts.site.module, id(facts) in schema_ids)
                self._classes.setdefault(facts.name, []).append(entry)

    def schema_name(self, reference: str, module: str) -> str | None:
        """The class name ``reference`` (dotted, or bare in ``module``) stands for, or None
        when it names a class of the project that is not a schema."""
        prefix, _, name = reference.rpartition(".")
        if prefix and prefix.partition(".")[0] not in self._roots:
            return None  # ``starlette.responses.Response``: not the project's
        defined = self._classes.get(name)
        if not defined:
            return name
        prefix = prefix or module
        exact = [is_schema for where, is_schema in defined if where == prefix]
        if not exact:
            # Re-exported by a package: the shallowest definition under it.
            under = [
                (where.count("."), is_schema)
                for where, is_schema in defined
                if where.startswith(f"{prefix}.")
            ]
            depth = min((d for d, _ in under), default=0)
            exact = [is_schema for d, is_schema in under if d == depth]
        if exact and not any(exact):
            return None
        return name
