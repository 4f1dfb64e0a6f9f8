"""YAML documents of the platform files and the findings about them, with line numbers.

A finding names the file, the line (of the field's key, found in PyYAML's node tree) and
the resource and field path, so a person can go straight to what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# libyaml's loader when PyYAML has it (its wheels do): the CRDs are large.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Finding:
    file: str
    line: int
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.where}: {self.message}"


@dataclass
class Document:
    """One YAML document: its data, its node tree (for line numbers) and its file."""

    path: Path
    display: str
    data: Any
    node: yaml.Node

    def line_of(self, path: Iterable[Any]) -> int:
        return line_of(self.node, path)

    @property
    def label(self) -> str:
        if not isinstance(self.data, dict):
            return "document"
        if "kind" not in self.data and "apiVersion" not in self.data:
            return "values"
        meta = self.data.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        return f"{self.data.get('kind', '?')}/{name or '?'}"


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, doc: Document, path: list[Any], message: str) -> None:
        where = doc.label + (": " + dotted(path) if path else "")
        self.findings.append(Finding(doc.display, doc.line_of(path), where, message))


def dotted(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (("." if out else "") + str(part))
    return out


def line_of(node: yaml.Node, path: Iterable[Any]) -> int:
    """1-based line of the field at `path`: its key's line for a mapping entry, the item's
    for a list entry; the nearest parent's when the field is missing."""
    line = node.start_mark.line
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    child, line = value, key.start_mark.line
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                child = node.value[part]
                line = child.start_mark.line
        if child is None:
            break
        node = child
    return line + 1


def load_documents(path: Path, display: str) -> tuple[list[Document], list[Finding]]:
    """Every non-empty document of a YAML file, or a finding naming the syntax error."""
    text = path.read_text(encoding="utf-8")
    try:
        nodes = list(yaml.compose_all(text, Loader=LOADER))
        datas = list(yaml.load_all(text, Loader=LOADER))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return [], [Finding(display, line, "YAML", f"not valid YAML: {error}")]
    docs = [
        Document(path, display, data, node)
        for data, node in zip(datas, nodes, strict=True)
        if data is not None and node is not None
    ]
    return docs, []
