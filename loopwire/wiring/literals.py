"""Reading literal values out of libcst nodes: string keys, ``None``, dict literals."""

from __future__ import annotations

import libcst as cst


def string(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def is_none(node: cst.BaseExpression | None) -> bool:
    # An exact type test: ``isinstance`` against libcst's ABCs is several times slower.
    return type(node) is cst.Name and node.value == "None"


def dict_items(node: cst.BaseExpression) -> dict[str, cst.BaseExpression] | None:
    """Literal string keys of ``{"a": 1}`` or ``dict(a=1)`` with their values; None when the
    mapping is not a literal the checker can read."""
    if isinstance(node, cst.Dict):
        items = {}
        for element in node.elements:
            if isinstance(element, cst.DictElement):
                key = string(element.key)
                if key is not None:
                    items[key] = element.value
        return items
    if (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Name)
        and node.func.value == "dict"
        and all(arg.keyword is not None for arg in node.args)
    ):
        return {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
    return None
