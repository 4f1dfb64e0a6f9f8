"""Renders a kustomize overlay the way `kubectl apply -k` does, for the features platform/
uses: `resources` (files, or directories holding a kustomization.yaml) and `patches` with
an inline JSON patch (RFC 6902: add, replace, remove) and a `target` by kind and name.

Why our own renderer and not kustomize: validation runs offline from PyPI tools only, and
a finding must name the file and line to edit. Patching PyYAML's node trees keeps, for
every field, the file it came from: a value set by an environment's patch points at that
environment's kustomization.yaml, every other field at the base. Any kustomization field
outside this subset is an error rather than something silently ignored, so what is
validated cannot differ from what kustomize applies without a finding saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from manifest_report import Document, Finding, compose_all, construct, load_documents

KUSTOMIZATION = "kustomization.yaml"
SUPPORTED_FIELDS = {"apiVersion", "kind", "resources", "patches"}
SUPPORTED_TARGET = {"kind", "name", "namespace", "group", "version"}
OPERATIONS = {"add", "replace", "remove"}


class OverlayError(Exception):
    """A kustomization this renderer cannot render faithfully; `finding` says where."""

    def __init__(self, finding: Finding):
        super().__init__(str(finding))
        self.finding = finding


@dataclass
class _Op:
    op: str
    pointer: list[str]
    value: yaml.Node | None
    display: str
    line: int


def render(directory: Path, show: Callable[[Path], str]) -> list[Document]:
    """The documents `kubectl kustomize DIRECTORY` produces, each with its node tree.
    Raises OverlayError naming the file and line of the first problem."""
    return _render(directory.resolve(), show, ())


def _render(directory: Path, show: Callable[[Path], str], seen: tuple[Path, ...]) -> list[Document]:
    path = directory / KUSTOMIZATION
    display = show(path)
    if directory in seen:
        raise OverlayError(Finding(display, 1, "resources", "includes itself (a cycle)"))
    if not path.is_file():
        raise OverlayError(Finding(display, 1, "kustomization", "missing"))
    try:
        nodes = compose_all(path.read_text(encoding="utf-8"), display)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise OverlayError(
            Finding(display, mark.line + 1 if mark else 1, "YAML", f"not valid YAML: {error}")
        ) from error
    if len(nodes) != 1 or not isinstance(nodes[0], yaml.MappingNode):
        raise OverlayError(Finding(display, 1, "kustomization", "must be one YAML mapping"))
    root = nodes[0]
    fields = {key.value: (key, value) for key, value in root.value}
    for name, (key, _) in fields.items():
        if name not in SUPPORTED_FIELDS:
            raise OverlayError(
                Finding(
                    display,
                    key.start_mark.line + 1,
                    name,
                    f"not supported by scripts/validate-manifests (it renders "
                    f"{sorted(SUPPORTED_FIELDS - {'apiVersion', 'kind'})} only); express the "
                    "change as a JSON patch, or teach scripts/lib/overlays.py the field",
                )
            )
    docs: list[Document] = []
    for item in _sequence(fields.get("resources"), display, "resources"):
        if not isinstance(item, yaml.ScalarNode):
            raise OverlayError(_at(display, item, "resources", "each entry is a relative path"))
        target = (directory / item.value).resolve()
        if target.is_dir():
            docs.extend(_render(target, show, (*seen, directory)))
        elif target.is_file():
            loaded, errors = load_documents(target, show(target))
            if errors:
                raise OverlayError(errors[0])
            docs.extend(loaded)
        else:
            raise OverlayError(_at(display, item, "resources", f"{item.value} does not exist"))
    for patch in _sequence(fields.get("patches"), display, "patches"):
        _apply_patch(patch, docs, display)
    # The data follows the patched node trees.
    return [Document(d.path, d.display, construct(d.node), d.node) for d in docs]


def _sequence(entry: tuple[yaml.Node, yaml.Node] | None, display: str, name: str) -> list:
    if entry is None:
        return []
    key, value = entry
    if not isinstance(value, yaml.SequenceNode):
        raise OverlayError(_at(display, key, name, "must be a list"))
    return value.value


def _at(display: str, node: yaml.Node, where: str, message: str) -> Finding:
    return Finding(display, node.start_mark.line + 1, where, message)


def _apply_patch(patch: yaml.Node, docs: list[Document], display: str) -> None:
    if not isinstance(patch, yaml.MappingNode):
        raise OverlayError(_at(display, patch, "patches", "each patch is a mapping"))
    fields = {key.value: value for key, value in patch.value}
    unknown = set(fields) - {"target", "patch"}
    if unknown or "target" not in fields or "patch" not in fields:
        raise OverlayError(
            _at(
                display,
                patch,
                "patches",
                "each patch needs `target` and an inline `patch` (a JSON patch), nothing "
                f"else; found {sorted(fields)}",
            )
        )
    target = construct(fields["target"])
    if not isinstance(target, dict) or set(target) - SUPPORTED_TARGET or "kind" not in target:
        raise OverlayError(
            _at(display, fields["target"], "patches.target", f"select by {sorted(SUPPORTED_TARGET)}, kind required")
        )
    matches = [d for d in docs if _selected(d.data, target)]
    if not matches:
        raise OverlayError(
            _at(display, fields["target"], "patches.target", f"matches no resource: {target}")
        )
    for op in _operations(fields["patch"], display):
        for doc in matches:
            _apply(doc.node, op, doc.label)


def _selected(data: Any, target: dict[str, str]) -> bool:
    if not isinstance(data, dict):
        return False
    meta = data.get("metadata") or {}
    group, _, version = str(data.get("apiVersion", "")).rpartition("/")
    actual = {
        "kind": data.get("kind"),
        "name": meta.get("name"),
        "namespace": meta.get("namespace"),
        "group": group,
        "version": version,
    }
    return all(actual[k] == v for k, v in target.items())


def _operations(node: yaml.Node, display: str) -> list[_Op]:
    """The operations of an inline JSON patch. The patch text is a block scalar; it is
    composed again with as many leading newlines as it sits below the top of the file, so
    each value's mark has its line in the kustomization."""
    if not isinstance(node, yaml.ScalarNode) or node.style not in ("|", ">"):
        raise OverlayError(_at(display, node, "patches.patch", "write the JSON patch as a `|` block"))
    offset = node.start_mark.line + 1
    try:
        composed = compose_all("\n" * offset + node.value, display)
    except yaml.YAMLError as error:
        raise OverlayError(_at(display, node, "patches.patch", f"not valid YAML: {error}")) from error
    if len(composed) != 1 or not isinstance(composed[0], yaml.SequenceNode):
        raise OverlayError(_at(display, node, "patches.patch", "a JSON patch is a list of operations"))
    ops = []
    for item in composed[0].value:
        fields = {k.value: v for k, v in item.value} if isinstance(item, yaml.MappingNode) else {}
        op = fields.get("op")
        pointer = fields.get("path")
        if op is None or op.value not in OPERATIONS or pointer is None:
            raise OverlayError(
                _at(display, item, "patches.patch", f"each operation needs `op` ({sorted(OPERATIONS)}) and `path`")
            )
        if (op.value == "remove") != ("value" not in fields):
            raise OverlayError(
                _at(display, item, "patches.patch", "add and replace need a `value`; remove takes none")
            )
        if not pointer.value.startswith("/"):
            raise OverlayError(_at(display, pointer, "patches.patch", "a JSON pointer starts with /"))
        parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer.value[1:].split("/")]
        ops.append(_Op(op.value, parts, fields.get("value"), display, item.start_mark.line + 1))
    return ops


def _apply(root: yaml.Node, op: _Op, label: str) -> None:
    """RFC 6902 on a node tree: the parent must exist; `replace` and `remove` need the
    member, `add` on a list inserts at the index (or appends with `-`)."""

    def fail(message: str) -> OverlayError:
        return OverlayError(Finding(op.display, op.line, f"{label}: /{'/'.join(op.pointer)}", message))

    parent = root
    for part in op.pointer[:-1]:
        parent = _child(parent, part)
        if parent is None:
            raise fail(f"no {part!r} on the way to the field: the base has no such path")
    last = op.pointer[-1]
    if isinstance(parent, yaml.MappingNode):
        index = next((i for i, (k, _) in enumerate(parent.value) if k.value == last), None)
        if index is None and op.op != "add":
            raise fail(f"{op.op}: the base has no {last!r} here")
        if op.op == "remove":
            del parent.value[index]
        elif index is None:
            key = yaml.ScalarNode("tag:yaml.org,2002:str", last, op.value.start_mark, op.value.end_mark)
            parent.value.append((key, op.value))
        else:
            # The key keeps the base's mark; the value (and so its line) is the overlay's.
            # A finding on a patched field points at the overlay through the key's line,
            # so give the key the value's mark too.
            key = parent.value[index][0]
            moved = yaml.ScalarNode(key.tag, key.value, op.value.start_mark, op.value.end_mark)
            parent.value[index] = (moved, op.value)
    elif isinstance(parent, yaml.SequenceNode):
        if last == "-" and op.op == "add":
            parent.value.append(op.value)
            return
        if not last.isdigit() or int(last) > len(parent.value) - (op.op != "add"):
            raise fail(f"{last!r} is not an index of this list of {len(parent.value)}")
        position = int(last)
        if op.op == "add":
            parent.value.insert(position, op.value)
        elif op.op == "replace":
            parent.value[position] = op.value
        else:
            del parent.value[position]
    else:
        raise fail("the parent is a scalar")


def _child(node: yaml.Node, part: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        return next((v for k, v in node.value if k.value == part), None)
    if isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
        return node.value[int(part)]
    return None
