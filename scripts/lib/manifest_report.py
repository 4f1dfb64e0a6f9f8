"""YAML documents of the platform files and the findings about them, with line numbers.

A finding names the file, the line (of the field's key, found in PyYAML's node tree) and
the resource and field path, so a person can go straight to what is wrong.
"""

from __future__ import annotations

import io
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

    def locate(self, path: Iterable[Any]) -> tuple[str, int]:
        """The file and line of the field at `path`. A document rendered from an overlay
        mixes nodes of its base and of the overlay's patches; each node's mark names the
        file it was read from, so a finding points at the file to edit."""
        node, line = _field(self.node, path)
        name = node.start_mark.name
        return (name if name and not name.startswith("<") else self.display), line

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
        file, line = doc.locate(path)
        self.findings.append(Finding(file, line, where, message))


def dotted(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (("." if out else "") + str(part))
    return out


def line_of(node: yaml.Node, path: Iterable[Any]) -> int:
    """1-based line of the field at `path`: its key's line for a mapping entry, the item's
    for a list entry; the nearest parent's when the field is missing."""
    return _field(node, path)[1]


def _field(node: yaml.Node, path: Iterable[Any]) -> tuple[yaml.Node, int]:
    """The node whose line `line_of` gives (the key's node for a mapping entry), and that
    1-based line."""
    line, at = node.start_mark.line, node
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    child, line, at = value, key.start_mark.line, key
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if 0 <= part < len(node.value):
                child = node.value[part]
                line, at = child.start_mark.line, child
        if child is None:
            break
        node = child
    return at, line + 1


class _NamedText(io.StringIO):
    """Text whose YAML marks carry `name` (PyYAML's readers, C and Python, take a stream's
    `name` as the marks' name)."""

    def __init__(self, text: str, name: str):
        super().__init__(text)
        self.name = name


def compose_all(text: str, display: str) -> list[yaml.Node]:
    """The node trees of a YAML text, every mark naming `display`."""
    return [n for n in yaml.compose_all(_NamedText(text, display), Loader=LOADER) if n is not None]


def construct(node: yaml.Node) -> Any:
    """The plain data of a node tree (what yaml.safe_load gives for the same text)."""
    return yaml.SafeLoader("").construct_document(node)


def load_documents(path: Path, display: str) -> tuple[list[Document], list[Finding]]:
    """Every non-empty document of a YAML file, or a finding naming the syntax error."""
    text = path.read_text(encoding="utf-8")
    try:
        nodes = compose_all(text, display)
        docs = [Document(path, display, construct(node), node) for node in nodes]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        return [], [Finding(display, line, "YAML", f"not valid YAML: {error}")]
    return [doc for doc in docs if doc.data is not None], []
