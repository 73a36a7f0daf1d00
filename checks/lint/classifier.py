"""The call classifier of the lint walk: is a call on the loop a blocking call, per the catalog?

A call is matched against the catalog (functions by qualified name, methods by the kind of their
receiver, the project's ``[tool.loopwire.blocking-calls]``), its arguments are read where they
decide (``acquire(blocking=False)`` does not wait), and the rule's own message is filled in; a
call that may reach a sync project function is kept as a site for the cross-module pass.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Mapping

from checks.lint import catalog
from checks.lint.model import CallSite, ModuleReport
from checks.lint.resolver import Resolver, dotted
from checks.lint.rules import BY_CODE
from checks.lint.scope import Context

_KIND_NAMES = {
    catalog.PROCESS: "Popen",
    catalog.FILE: "file",
    catalog.PATH: "Path",
    catalog.SQLITE_CONNECTION: "sqlite3.Connection",
    catalog.SQLITE_CURSOR: "sqlite3.Cursor",
    catalog.HTTP_CLIENT: "client",
    catalog.LOCK: "lock",
    catalog.EVENT: "event",
    catalog.BARRIER: "barrier",
    catalog.THREAD: "thread",
    catalog.QUEUE: "queue",
    catalog.FUTURE: "future",
    catalog.EXECUTOR: "executor",
}


class Classifier(Resolver):
    """Sorts each call in a function's frame: a blocking call (reported when the frame is async,
    summarised when it is sync), a call that may reach a project function, or neither."""

    def __init__(self, module: str, is_package: bool, blocking_calls: Mapping[str, str]) -> None:
        super().__init__(module, is_package)
        self.configured_exact = {k: v for k, v in blocking_calls.items() if not _is_pattern(k)}
        self.configured_patterns = [(k, v) for k, v in blocking_calls.items() if _is_pattern(k)]
        self.report = ModuleReport(module=module)
        # Calls on the loop that may reach a project function, by the index of their site.
        self.site_calls: list[ast.Call] = []
        # (call node, rule code, message, called name as spelled) of direct findings.
        self.direct: list[tuple[ast.Call, str, str, str]] = []

    def _classify(self, node: ast.Call, context: Context) -> None:
        func = node.func
        if type(func) is ast.Attribute:
            receiver = self.kind_of(func.value)
            if receiver is not None:
                blocking = catalog.METHODS.get(receiver, {}).get(func.attr)
                if blocking is not None and not _returns_at_once(node, blocking):
                    parts = dotted(func.value)
                    prefix = ".".join(parts) if parts is not None else _KIND_NAMES[receiver]
                    self._blocking(node, context, f"{prefix}.{func.attr}", None, blocking)
                return
            owner = self.class_of(func.value)
            if owner is not None:
                self._site(node, context, f"{owner}.{func.attr}")
                return
        parts = dotted(func)
        if parts is None:
            return
        name, target = self.resolve(parts)
        if name is not None:
            blocking = catalog.FUNCTIONS.get(name)
            spawn = blocking is not None and name.startswith(catalog.SPAWN_PREFIX)
            if spawn and _spawn_does_not_wait(node):
                return
            if blocking is not None and _returns_at_once(node, blocking):
                return
            if blocking is None:
                blocking = self._configured(name)
            if blocking is not None:
                self._blocking(node, context, ".".join(parts), name, blocking)
                return
        if target is not None:
            self._site(node, context, target)

    def _site(self, node: ast.Call, context: Context, target: str) -> None:
        """A call that may be to a sync project function: a site on the loop, or an edge of a
        sync function's summary."""
        if context.is_async:
            self.report.sites.append(CallSite(len(self.site_calls), context.display, target))
            self.site_calls.append(node)
        elif context.summary is not None:
            context.summary.calls.append(target)

    def _configured(self, name: str) -> catalog.Blocking | None:
        replacement = self.configured_exact.get(name)
        if replacement is None:
            for pattern, suggestion in self.configured_patterns:
                if fnmatch.fnmatchcase(name, pattern):
                    replacement = suggestion
                    break
        if replacement is None:
            return None
        return catalog.Blocking(catalog.CONFIGURED, replacement)

    def _blocking(
        self,
        node: ast.Call,
        context: Context,
        spelled: str,
        qualified: str | None,
        blocking: catalog.Blocking,
    ) -> None:
        if context.is_async:
            shown = spelled if qualified in (None, spelled) else f"{spelled} ({qualified})"
            rule = BY_CODE[blocking.code]
            suggestion = rule.suggestion if blocking.suggestion is None else blocking.suggestion
            message = rule.message.format(
                call=shown, function=context.display, suggestion=suggestion
            )
            self.direct.append((node, blocking.code, message, spelled))
        elif context.summary is not None and context.summary.blocking is None:
            context.summary.blocking = (qualified or spelled, blocking.code)


def _is_pattern(name: str) -> bool:
    return any(char in name for char in "*?[")


def _argument(node: ast.Call, position: int | None, keyword: str) -> ast.expr | None:
    for item in node.keywords:
        if item.arg == keyword:
            return item.value
    if position is None or position >= len(node.args):
        return None
    if any(type(arg) is ast.Starred for arg in node.args[: position + 1]):
        return None
    return node.args[position]


def _returns_at_once(node: ast.Call, blocking: catalog.Blocking) -> bool:
    """``lock.acquire(blocking=False)``, ``queue.get(False)``, ``future.result(timeout=0)``:
    the call asks not to wait, so it does not block."""
    if blocking.block_flag is not None:
        flag = _argument(node, *blocking.block_flag)
        if type(flag) is ast.Constant and flag.value is False:
            return True
    if blocking.timeout is not None:
        timeout = _argument(node, *blocking.timeout)
        if (
            type(timeout) is ast.Constant
            and type(timeout.value) in (int, float)
            and not timeout.value
        ):
            return True
    return False


def _spawn_does_not_wait(node: ast.Call) -> bool:
    """``os.spawn*(os.P_NOWAIT, ...)`` starts a process and returns at once."""
    mode = _argument(node, 0, "mode")
    if mode is None:
        return False
    parts = dotted(mode)
    return parts is not None and parts[-1] in catalog.NON_WAITING_SPAWN_MODES
