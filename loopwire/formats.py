"""Output formats shared by every guard: text, json, github annotations and SARIF 2.1.0."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import TextIO

from loopwire import __version__
from loopwire.findings import Finding, RuleInfo

FORMATS = ("text", "json", "github", "sarif")


def render(
    findings: Sequence[Finding],
    fmt: str,
    out: TextIO,
    rules: Mapping[str, RuleInfo] | None = None,
    tool: str = "loopwire",
) -> None:
    if fmt == "text":
        for f in findings:
            out.write(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}\n")
    elif fmt == "json":
        json.dump([f.as_json() for f in findings], out, indent=2)
        out.write("\n")
    elif fmt == "github":
        for f in findings:
            out.write(
                f"::error file={_gh_escape_property(f.path)},line={f.line},col={f.column},"
                f"title={f.code}::{_gh_escape_data(f.message)}\n"
            )
    elif fmt == "sarif":
        json.dump(sarif(findings, rules or {}, tool), out, indent=2)
        out.write("\n")
    else:
        raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def summary(findings: Sequence[Finding], files: int) -> str:
    n = len(findings)
    noun = "finding" if n == 1 else "findings"
    text = f"{n} {noun} in {files} file{'s' if files != 1 else ''} checked"
    chained = [f for f in findings if f.chain]
    if chained:
        # One blocking helper called from many places is one decision, not many.
        helpers = len({f.helper for f in chained})
        noun = "finding" if len(chained) == 1 else "findings"
        text += f" ({len(chained)} {noun} through {helpers} blocking helper{'s' * (helpers != 1)})"
    return text


def sarif(
    findings: Iterable[Finding], rules: Mapping[str, RuleInfo], tool: str
) -> dict[str, object]:
    items = list(findings)
    codes = sorted({f.code for f in items} | set(rules))
    rule_index = {code: i for i, code in enumerate(codes)}
    descriptors: list[dict[str, object]] = []
    for code in codes:
        info = rules.get(code)
        descriptor: dict[str, object] = {"id": code}
        if info is not None:
            descriptor["name"] = info.slug
            descriptor["shortDescription"] = {"text": info.summary}
            descriptor["fullDescription"] = {"text": info.rationale}
        descriptors.append(descriptor)
    results = [
        {
            "ruleId": f.code,
            "ruleIndex": rule_index[f.code],
            "level": "error",
            "message": {"text": f.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f.path.replace("\\", "/")},
                        "region": {"startLine": f.line, "startColumn": f.column},
                    }
                }
            ],
        }
        for f in items
    ]
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": tool,
                        "version": __version__,
                        "informationUri": "https://github.com/loopwire/loopwire",
                        "rules": descriptors,
                    }
                },
                "results": results,
            }
        ],
    }


def _gh_escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_escape_property(text: str) -> str:
    return _gh_escape_data(text).replace(":", "%3A").replace(",", "%2C")
