"""``loopwire lint --fix``: rewrite reported calls with libcst, keeping the file's formatting.

The analysis runs on the stdlib ``ast`` (fast); rewriting needs a concrete syntax tree, so this
module is the one place of the linter that uses libcst, and it is imported only when fixes are
asked for. The file is parsed once and every fix applied in one transformer. Each finding is
matched to its call by position (``ast`` reports a call at the start of its ``func``, libcst at
the start of the call: both are tried). What ``asyncio`` and the ``time`` imports refer to comes
from the stdlib ``symtable`` rather than libcst's ScopeProvider, which costs several parses.
A finding whose call cannot be found exactly, or whose call sits where ``await`` is not allowed
or changes meaning, is left alone and stays reported.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from loopwire.core import syntax
from loopwire.core.names import dotted
from loopwire.core.rule import Safety
from loopwire.findings import Finding
from loopwire.lint.fix_names import AsyncioBinding, ImportSite, Names
from loopwire.lint.rules import BY_CODE
from loopwire.lint.rules.common import Rewrite

# Methods that return a lazy iterator or a context manager: running the call in a thread would
# not move the blocking work (it happens while iterating or entering), only hide it.
_LAZY_METHODS = frozenset(
    {"iterdir", "glob", "iglob", "rglob", "walk", "fwalk", "scandir", "iterdump", "stream"}
)


@dataclass(frozen=True, slots=True)
class FixResult:
    source: str
    # The findings the new source no longer has.
    fixed: tuple[Finding, ...] = ()
    # Why nothing was changed although fixes were wanted (unparsable, would not compile).
    problem: str | None = None


def fix_source(source: str, findings: Iterable[Finding], *, unsafe: bool = False) -> FixResult:
    """Apply every fix the findings allow (safe ones; unsafe too when asked) in one pass."""
    wanted = [f for f in findings if allowed(f.code, unsafe)]
    if not wanted:
        return FixResult(source)
    try:
        wrapper = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)
    except (cst.ParserSyntaxError, RecursionError) as exc:
        return FixResult(source, problem=f"libcst cannot parse the file: {_first_line(exc)}")
    try:
        names = _names(source)
    except (SyntaxError, ValueError, RecursionError) as exc:
        return FixResult(source, problem=f"cannot analyse the file's names: {_first_line(exc)}")
    locator = _Locator(names.top_level(wrapper.module))
    wrapper.module.visit(locator)
    by_position: dict[tuple[int, int], list[_Site]] = {}
    for located in locator.sites:
        starts = {positions[located.call].start, positions[located.call.func].start}
        for start in starts:
            by_position.setdefault((start.line, start.column), []).append(located)

    plan: dict[int, Rewrite] = {}
    fixed: list[Finding] = []
    needs_import = False
    # Root name of each replaced ``time.sleep`` spelling (``time``, ``t``, ``sleep``) -> count.
    replaced: dict[str, int] = {}
    # Nodes the rewrite has to go through; it skips every other subtree.
    keep = {id(wrapper.module)}
    for finding in wanted:
        site = _locate(finding, by_position.get((finding.line, finding.column - 1), []))
        rewrite = _rewrite(finding.code)
        if site is None or rewrite is None or not site.fixable or not finding.fixable:
            continue
        if rewrite is Rewrite.TO_THREAD and _called_name(site.call) in _LAZY_METHODS:
            continue
        binding = names.asyncio_at(site.functions, positions, locator.imports)
        if (
            binding is AsyncioBinding.OTHER
            or plan.setdefault(id(site.call), rewrite) is not rewrite
        ):
            continue
        keep.update(site.ancestors)
        if rewrite is Rewrite.ASYNC_SLEEP:
            root = _root_name(site.call.func)
            if root is not None:
                replaced[root] = replaced.get(root, 0) + 1
        needs_import = needs_import or binding is AsyncioBinding.UNBOUND
        fixed.append(finding)
    if not fixed:
        return FixResult(source)

    unused: dict[int, set[str]] = {}
    for root, count in replaced.items():
        binders = [item for item in locator.imports if root in item.names]
        if len(binders) == 1 and names.only_uses(root, count):
            unused.setdefault(id(binders[0].node), set()).add(root)
            keep.update(binders[0].ancestors)
    tree = wrapper.module.visit(_Fixer(plan, unused, needs_import, keep))
    problem = _compile_problem(tree.code)
    if problem is not None:
        return FixResult(source, problem=f"the fixed file would not compile ({problem})")
    return FixResult(tree.code, tuple(fixed))


def allowed(code: str, unsafe: bool) -> bool:
    rule = BY_CODE.get(code)
    if rule is None or rule.fix is None:
        return False
    return unsafe or rule.fix.safety is Safety.SAFE


def _rewrite(code: str) -> Rewrite | None:
    rule = BY_CODE.get(code)
    rewrite = rule.fix.rewrite if rule is not None and rule.fix is not None else None
    return rewrite if isinstance(rewrite, Rewrite) else None


@dataclass(frozen=True, slots=True)
class _Site:
    call: cst.Call
    # False where ``await`` is not allowed or changes meaning (see ``_Locator``).
    fixable: bool
    # The functions whose bodies hold the call, outermost first.
    functions: tuple[cst.FunctionDef, ...]
    # ids of the nodes that hold the call, the module first.
    ancestors: tuple[int, ...]


class _Locator(cst.CSTVisitor):
    """Every call, with whether ``await`` may be put in front of it; every import statement.

    Only calls whose innermost enclosing scope is an ``async def`` body qualify: not inside a
    lambda or class body (``await`` is a syntax error there), not inside a generator expression
    (``await`` would make it an async generator), and not a call that is already awaited.
    Decorators and defaults of a nested ``def`` run in the enclosing function, so a function
    counts only from its body on.
    """

    def __init__(self, top_level: set[int]) -> None:
        super().__init__()
        self.top_level = top_level
        self.sites: list[_Site] = []
        self.imports: list[ImportSite] = []
        # For each open scope: True for an async function body, False for anything else.
        self.stack: list[bool] = []
        self.functions: list[cst.FunctionDef] = []
        self.awaited: set[int] = set()
        # Calls whose result a ``with`` enters: moving the call to a thread would leave the
        # enter and exit (where a context manager's work happens) on the loop, unreported.
        self.entered: set[int] = set()
        self.path: list[int] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.path.append(id(node))
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        super().on_leave(original_node)
        self.path.pop()

    def visit_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.stack.append(node.asynchronous is not None)
        self.functions.append(node)

    def leave_FunctionDef_body(self, node: cst.FunctionDef) -> None:
        self.stack.pop()
        self.functions.pop()

    def visit_Lambda_body(self, node: cst.Lambda) -> None:
        self.stack.append(False)

    def leave_Lambda_body(self, node: cst.Lambda) -> None:
        self.stack.pop()

    def visit_ClassDef_body(self, node: cst.ClassDef) -> None:
        self.stack.append(False)

    def leave_ClassDef_body(self, node: cst.ClassDef) -> None:
        self.stack.pop()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self.stack.append(False)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self.stack.pop()

    def visit_Await(self, node: cst.Await) -> None:
        self.awaited.add(id(node.expression))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        self.entered.add(id(node.item))

    def visit_Call(self, node: cst.Call) -> None:
        on_loop = bool(self.stack) and self.stack[-1]
        fixable = on_loop and id(node) not in self.awaited and id(node) not in self.entered
        self.sites.append(_Site(node, fixable, tuple(self.functions), tuple(self.path)))

    def visit_Import(self, node: cst.Import) -> None:
        self._import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._import(node)

    def _import(self, node: cst.Import | cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        names = frozenset(_bound_name(alias) for alias in node.names)
        binds_module = isinstance(node, cst.Import) and all(
            (dotted(alias.name) or "").partition(".")[0] == "asyncio"
            for alias in node.names
            if _bound_name(alias) == "asyncio"
        )
        function = self.functions[-1] if self.functions else None
        top_level = id(node) in self.top_level
        ancestors = tuple(self.path)
        self.imports.append(ImportSite(node, function, top_level, ancestors, names, binds_module))


def _locate(finding: Finding, candidates: Sequence[_Site]) -> _Site | None:
    """The one call a finding is about; None when the position and symbol leave a doubt.

    ``open(p).read()`` and ``open(p)`` start at the same place; the finding's symbol
    (``file.read``, ``open``) tells them apart.
    """
    unique = list({id(site.call): site for site in candidates}.values())
    if len(unique) <= 1:
        return unique[0] if unique else None
    if finding.symbol is None:
        return None
    parts = finding.symbol.split(".")
    name = parts[-2] if parts[-1] == "__init__" and len(parts) > 1 else parts[-1]
    named = [site for site in unique if _called_name(site.call) == name]
    return named[0] if len(named) == 1 else None


def _called_name(call: cst.Call) -> str | None:
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def _root_name(func: cst.BaseExpression) -> str | None:
    while isinstance(func, cst.Attribute):
        func = func.value
    return func.value if isinstance(func, cst.Name) else None


class _Fixer(cst.CSTTransformer):
    """Rewrites the planned calls; an ``await`` that lands where a primary is needed
    (``f().x``, ``f()[0]``, ``f()()``) gets parentheses."""

    def __init__(
        self, plan: dict[int, Rewrite], unused: dict[int, set[str]], add: bool, keep: set[int]
    ) -> None:
        super().__init__()
        self.plan = plan
        # id of an import statement -> the names it binds that are to be dropped.
        self.unused = unused
        self.add_import = add
        self.keep = keep

    def on_visit(self, node: cst.CSTNode) -> bool:
        # Only the paths down to the rewritten nodes: visiting all of a large file costs more
        # than parsing it.
        return id(node) in self.keep and super().on_visit(node)

    def leave_Import(
        self, original_node: cst.Import, updated_node: cst.Import
    ) -> cst.BaseSmallStatement | cst.RemovalSentinel:
        return _without(updated_node, self.unused.get(id(original_node), set()))

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.BaseSmallStatement | cst.RemovalSentinel:
        return _without(updated_node, self.unused.get(id(original_node), set()))

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        body: list[cst.BaseStatement] = list(updated_node.body)
        if body and original_node.body and body[0] is not original_node.body[0]:
            # The first statement was an import that went: do not start the file with blank lines.
            first = body[0]
            assert isinstance(first, cst.SimpleStatementLine | cst.BaseCompoundStatement)
            if not updated_node.header and all(
                line.comment is None for line in first.leading_lines
            ):
                body[0] = first.with_changes(leading_lines=[])
        if self.add_import:
            body = _with_import_asyncio(body)
        return updated_node.with_changes(body=body)

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.Attribute:
        return updated_node.with_changes(value=_primary(updated_node.value))

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.Subscript:
        return updated_node.with_changes(value=_primary(updated_node.value))

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        updated_node = updated_node.with_changes(func=_primary(updated_node.func))
        rewrite = self.plan.get(id(original_node))
        if rewrite is None:
            return updated_node
        bare = updated_node.with_changes(lpar=(), rpar=())
        if rewrite is Rewrite.ASYNC_SLEEP:
            call = bare.with_changes(func=_asyncio("sleep"))
        else:
            call = _to_thread(bare)
        return cst.Await(call, lpar=updated_node.lpar, rpar=updated_node.rpar)


def _without(
    node: cst.Import | cst.ImportFrom, names: set[str]
) -> cst.Import | cst.ImportFrom | cst.RemovalSentinel:
    if not names or isinstance(node.names, cst.ImportStar):
        return node
    kept = [alias for alias in node.names if _bound_name(alias) not in names]
    if not kept:
        return cst.RemoveFromParent()
    # The last alias keeps what followed the old last one: a trailing comma in parentheses, or none.
    kept[-1] = kept[-1].with_changes(comma=node.names[-1].comma)
    return node.with_changes(names=kept)


def _bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
        return alias.asname.name.value
    return (dotted(alias.name) or "").partition(".")[0]


def _with_import_asyncio(body: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
    """``import asyncio`` after the docstring and ``__future__`` imports: first of the imports,
    where isort puts it among most standard-library modules."""
    statements = list(body)
    index = 0
    while index < len(statements) and _is_header(statements[index]):
        index += 1
    blank = [cst.EmptyLine()] if index else []
    new = cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.Name("asyncio"))])])
    if index == len(statements):
        return [*statements, new.with_changes(leading_lines=blank)]
    displaced = statements[index]
    # Every statement is one of the two; only they carry the lines above them.
    assert isinstance(displaced, cst.SimpleStatementLine | cst.BaseCompoundStatement)
    if _is_import(displaced):
        # It takes the place of the first import, comments and spacing above included.
        new = new.with_changes(leading_lines=displaced.leading_lines or blank)
        displaced = displaced.with_changes(leading_lines=[])
    else:
        new = new.with_changes(leading_lines=blank)
        displaced = displaced.with_changes(
            leading_lines=displaced.leading_lines or [cst.EmptyLine()]
        )
    return [*statements[:index], new, displaced, *statements[index + 1 :]]


def _is_import(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, cst.Import | cst.ImportFrom) for small in statement.body
    )


def _is_header(statement: cst.BaseStatement) -> bool:
    """A module docstring or a ``from __future__`` import."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.ImportFrom):
        return isinstance(small.module, cst.Name) and small.module.value == "__future__"
    return isinstance(small, cst.Expr) and isinstance(
        small.value, cst.SimpleString | cst.ConcatenatedString
    )


def _primary(node: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(node, cst.Await) and not node.lpar:
        return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node


def _asyncio(name: str) -> cst.Attribute:
    return cst.Attribute(cst.Name("asyncio"), cst.Name(name))


def _to_thread(call: cst.Call) -> cst.Call:
    """``f(a, b=c)`` -> ``asyncio.to_thread(f, a, b=c)``; a multi-line argument list keeps one
    argument a line, the callable on the first."""
    if not call.args:
        return cst.Call(_asyncio("to_thread"), [cst.Arg(call.func)])
    spacing = call.whitespace_before_args
    after_comma: cst.BaseParenthesizableWhitespace = cst.SimpleWhitespace(" ")
    if isinstance(spacing, cst.ParenthesizedWhitespace):
        # The same line break and indent, without the comment that follows the parenthesis.
        after_comma = spacing.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
    first = cst.Arg(call.func, comma=cst.Comma(whitespace_after=after_comma))
    return call.with_changes(func=_asyncio("to_thread"), args=[first, *call.args])


def _names(source: str) -> Names:
    """The file's names; a file written for a newer Python is read in its lowered form."""
    try:
        return Names(source)
    except SyntaxError:
        lowered = syntax.newer_syntax(source)
        if lowered is None:
            raise
        return Names(lowered)


def _compile_problem(source: str) -> str | None:
    """Why CPython would refuse ``source`` (full compile: ``await`` placement is checked by the
    compiler, not the parser), or None."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(source, "<fixed>", "exec", dont_inherit=True)
    except SyntaxError as exc:
        # Written for a newer Python than this one: judge the lowered text.
        lowered = syntax.newer_syntax(source)
        return f"line {exc.lineno}: {exc.msg}" if lowered is None else _compile_problem(lowered)
    except (ValueError, RecursionError, MemoryError) as exc:
        return _first_line(exc)
    return None


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
