"""The call classifier of the lint walk: is a call on the loop a blocking call, per the catalog?

A call is matched against the catalog (functions by qualified name, methods by the kind of their
receiver, the project's ``[tool.loopwire.blocking-calls]``), its arguments are read where they
decide (``acquire(blocking=False)`` does not wait), and the rule's own message is filled in; a
call that may reach a sync project function is kept as a site for the cross-module pass.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Mapping, Sequence

from loopwire.lint import catalog, data_urls, guards
from loopwire.lint.model import SUPER, CallSite, Guard, ModuleReport
from loopwire.lint.resolver import Resolver, dotted
from loopwire.lint.rules import BY_CODE
from loopwire.lint.scope import UNKNOWN, Context

# How a call on an object with no name of its own (``Redis.from_url(url).set``) shows it.
KIND_NAMES = {
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
    catalog.REDIS_CLIENT: "Redis",
    catalog.DB_CONNECTION: "connection",
    catalog.DB_CURSOR: "cursor",
    catalog.MONGO_CLIENT: "MongoClient",
    catalog.MONGO_DATABASE: "Database",
    catalog.MONGO_COLLECTION: "Collection",
    catalog.AWS_CLIENT: "boto3-client",
    catalog.SSH_CLIENT: "SSHClient",
    catalog.SFTP_CLIENT: "SFTPClient",
    catalog.SMTP_CLIENT: "SMTP",
    catalog.FTP_CLIENT: "FTP",
    catalog.WEBSOCKET_CLIENT: "WebSocket",
    catalog.SOCKET_OBJECT: "socket",
}


class Classifier(Resolver):
    """Sorts each call in a function's frame: a blocking call (reported when the frame is async,
    summarised when it is sync), a call that may reach a project function, or neither."""

    def __init__(
        self,
        module: str,
        is_package: bool,
        blocking_calls: Mapping[str, str],
        offload: Sequence[str] = (),
    ) -> None:
        super().__init__(module, is_package)
        self.configured_exact = {k: v for k, v in blocking_calls.items() if not _is_pattern(k)}
        self.configured_patterns = [(k, v) for k, v in blocking_calls.items() if _is_pattern(k)]
        # The project's own offloading decorators ([tool.loopwire] offload-decorators).
        self.offload = tuple(offload)
        self.report = ModuleReport(module=module)
        # Calls on the loop that may reach a project function, by the index of their site.
        self.site_calls: list[ast.Call] = []
        # (call node, rule code, message, called name as spelled, qualified function) of
        # direct findings.
        self.direct: list[tuple[ast.Call, str, str, str, str]] = []
        # Sync function key -> (line, qualified name, code, guard) of each blocking call in its
        # body: the first unguarded one its ``noqa`` comments leave standing is the function's.
        self.blocking_calls: dict[str, list[tuple[int, str, str, Guard | None]]] = {}

    def _classify(self, node: ast.Call, context: Context) -> None:
        func = node.func
        if type(func) is ast.Attribute:
            receiver = self.kind_of(func.value)
            if receiver is not None:
                self._disarm(node, func, receiver)
                blocking = catalog.method_blocking(receiver, func.attr)
                if blocking is not None and not _returns_at_once(node, blocking):
                    parts = dotted(func.value)
                    shown = KIND_NAMES.get(receiver, receiver)
                    prefix = ".".join(parts) if parts is not None else shown
                    self._blocking(node, context, f"{prefix}.{func.attr}", None, blocking)
                return
            owner = self.class_of(func.value)
            if owner is not None:
                self._site(node, context, f"{owner}.{func.attr}", bound=True)
                return
            start = self.super_class(func.value)
            if start is not None:
                self._site(node, context, f"{start}.{SUPER}.{func.attr}", bound=True)
                return
        parts = dotted(func)
        if parts is None:
            return
        name, target = self.resolve(parts)
        if name is not None:
            blocking = catalog.FUNCTIONS.get(name)
            if blocking is not None and _returns_at_once(node, blocking):
                return
            if name in data_urls.OPENERS and _decodes_data_url(node, context):
                return
            if blocking is None:
                blocking = self._configured(name)
            if blocking is not None:
                self._blocking(node, context, ".".join(parts), name, blocking)
                return
        if target is not None:
            # ``self.m()`` and ``cls.m()`` pass the instance (or class) as the first parameter.
            self._site(node, context, target, bound=parts[0] in ("self", "cls"))

    def _disarm(self, node: ast.Call, func: ast.Attribute, receiver: str) -> None:
        """``sock.setblocking(False)``: from here on the name holds an object that never
        waits, so its kind no longer applies."""
        disarming = catalog.DISARMING.get(receiver, {}).get(func.attr)
        if disarming is None or type(func.value) is not ast.Name:
            return
        position, keyword, value = disarming
        given = _argument(node, position, keyword)
        if type(given) is ast.Constant and given.value == value:
            self.bind(func.value.id, UNKNOWN)

    def offloads(self, decorators: Sequence[ast.expr]) -> bool:
        """Whether one of a function's decorators runs it in a worker thread when called."""
        for decorator in decorators:
            call = decorator if type(decorator) is ast.Call else None
            name = self.qualify(call.func if call is not None else decorator)
            if name is None:
                continue
            if name in catalog.OFFLOADING_DECORATORS:
                needs = catalog.OFFLOADING_DECORATORS[name]
                if needs is None:
                    return True
                value = None if call is None else _argument(call, None, needs[0])
                if type(value) is ast.Constant and value.value == needs[1]:
                    return True
            elif any(fnmatch.fnmatchcase(name, pattern) for pattern in self.offload):
                return True
        return False

    def runs_once(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """``@functools.cache`` on a function without parameters: its body runs once."""
        arguments = node.args
        if arguments.posonlyargs or arguments.args or arguments.vararg or arguments.kwonlyargs:
            return False
        if arguments.kwarg is not None:
            return False
        return any(
            self.qualify(decorator.func if type(decorator) is ast.Call else decorator)
            in catalog.ONCE_DECORATORS
            for decorator in node.decorator_list
        )

    def makes_context_manager(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
        """``@contextmanager``: calling the function only builds the context manager."""
        return any(
            self.qualify(decorator) in catalog.LAZY_DECORATORS for decorator in node.decorator_list
        )

    def _site(self, node: ast.Call, context: Context, target: str, *, bound: bool) -> None:
        """A call that may be to a sync project function: a site on the loop, or an edge of a
        sync function's summary."""
        if context.is_async:
            edge = guards.edge(self.scopes, node, bound)
            site = CallSite(len(self.site_calls), context.display, target, edge)
            self.report.sites.append(site)
            self.site_calls.append(node)
        elif context.summary is not None:
            context.summary.calls.append(target)
            context.summary.edges.append(guards.edge(self.scopes, node, bound))

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
            self.direct.append((node, blocking.code, message, spelled, context.key))
        elif context.summary is not None and blocking.chains:
            guard = guards.parameter_guard(self.scopes)
            found = (node.lineno, qualified or spelled, blocking.code, guard)
            self.blocking_calls.setdefault(context.key, []).append(found)


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


def _names_flag(node: ast.expr, flag: str) -> bool:
    """``socket.AI_NUMERICHOST``, or-ed with others or not: the expression sets ``flag``."""
    return any(
        (dotted(part) or [""])[-1] == flag
        for part in ast.walk(node)
        if isinstance(part, ast.Name | ast.Attribute)
    )


def _unpacks(node: ast.Call) -> bool:
    """``f(*args)`` or ``f(**options)``: which arguments are given cannot be read."""
    return any(type(arg) is ast.Starred for arg in node.args) or any(
        item.arg is None for item in node.keywords
    )


def _decodes_data_url(node: ast.Call, context: Context) -> bool:
    """``urlopen`` of a ``data:`` URL, spelled out or checked by the function: decoded in
    memory, it does not wait (``data_urls``)."""
    url = data_urls.url_argument(node)
    if url is not None and data_urls.is_data_literal(url):
        return True
    if type(url) is not ast.Name or context.function is None:
        return False
    if context.data_urls is None:
        context.data_urls = data_urls.decoded_calls(context.function)
    return node in context.data_urls


def _returns_at_once(node: ast.Call, blocking: catalog.Blocking) -> bool:
    """``lock.acquire(blocking=False)``, ``queue.get(False)``, ``future.result(timeout=0)``:
    the call asks not to wait, so it does not block; ``smtplib.SMTP()`` without a host only
    builds the client."""
    if blocking.quiet_flag is not None:
        position, keyword, name = blocking.quiet_flag
        given = _argument(node, position, keyword)
        if given is not None and _names_flag(given, name):
            return True
    if (
        blocking.connects_with is not None
        and _argument(node, *blocking.connects_with) is None
        and not _unpacks(node)
    ):
        return True
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
