"""Helm values against the chart's own values.yaml (for charts without values.schema.json):
every key must exist there, and where the chart's default is a non-empty value its type
must match.
"""

from __future__ import annotations

from typing import Any

from manifest_report import Document, Report


def check_values(doc: Document, chart_values: Any, chart: str, report: Report) -> None:
    def walk(mine: Any, theirs: Any, path: list[Any]) -> None:
        if not isinstance(mine, dict) or not isinstance(theirs, dict) or not theirs:
            # Leaves, lists and free-form maps ({} by default: labels, tags, resources).
            if theirs not in (None, "", {}, []) and not same_type(mine, theirs):
                report.add(
                    doc,
                    path,
                    f"is {type_name(mine)}, the chart's default is {type_name(theirs)}",
                )
            return
        for key, value in mine.items():
            if key not in theirs:
                report.add(doc, path + [key], f"unknown key: the {chart} chart has no such value")
            else:
                walk(value, theirs[key], path + [key])

    before = len(report.findings)
    walk(doc.data, chart_values, [])
    if len(report.findings) == before:
        report.passed.append(f"{doc.display}: values of the {chart} chart")


def same_type(mine: Any, theirs: Any) -> bool:
    numbers = (int, float)
    if isinstance(theirs, bool) or isinstance(mine, bool):
        return isinstance(theirs, bool) and isinstance(mine, bool)
    if isinstance(theirs, numbers):
        return isinstance(mine, numbers)
    return isinstance(mine, type(theirs))


def type_name(value: Any) -> str:
    return {
        bool: "a boolean",
        int: "a number",
        float: "a number",
        str: "a string",
        list: "a list",
        dict: "a map",
        type(None): "null",
    }.get(type(value), type(value).__name__)
