"""The AWS Load Balancer Controller's `alb.ingress.kubernetes.io/*` annotations, checked
against the controller's own annotation table (docs/guide/ingress/annotations.md at the
pinned version, committed in platform/schemas/).

No schema covers annotations: the API server takes any string, and the controller ignores
a misspelt key, so a typo (`target-typ: ip`) silently gives a different load balancer. Here
an unknown key fails, and a value must fit the table's type: one of the listed words
(`internal | internet-facing`), an integer, a boolean, JSON, a `k=v,...` map or a list.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

PREFIX = "alb.ingress.kubernetes.io/"
# A row of the table: | [alb.ingress.kubernetes.io/NAME](#anchor) | TYPE | default | location ...
# where TYPE may list alternatives with escaped pipes (`internal \| internet-facing`).
NAME_CELL = re.compile(r"^\s*\[alb\.ingress\.kubernetes\.io/([^\]]+)\]")
CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
TYPE_WORDS = {"string", "integer", "boolean", "stringList", "stringMap", "json"}


@dataclass(frozen=True)
class Annotation:
    name: str  # the table's name, placeholders included (`actions.${action-name}`)
    pattern: re.Pattern[str]
    types: frozenset[str]  # of TYPE_WORDS
    words: frozenset[str]  # literal values the table lists

    def problem(self, value: str) -> str | None:
        """Why `value` does not fit, or None."""
        if value in self.words:
            return None
        for kind in self.types:
            if fits(kind, value):
                return None
        allowed = sorted(self.words) + sorted(self.types)
        return f"{value!r} is not {' | '.join(allowed)} (the controller's annotation table)"


def fits(kind: str, value: str) -> bool:
    if kind in ("string", "stringList"):
        return True
    if kind == "integer":
        return re.fullmatch(r"-?\d+", value.strip()) is not None
    if kind == "boolean":
        return value in ("true", "false")
    if kind == "stringMap":
        return all("=" in pair for pair in value.split(",") if pair.strip())
    if kind == "json":
        try:
            json.loads(value)
        except ValueError:
            return False
        return True
    return False


def load_table(path: Path) -> list[Annotation]:
    annotations = []
    for line in path.read_text(encoding="utf-8").splitlines():
        cells = CELL_SEPARATOR.split(line)
        match = NAME_CELL.match(cells[1]) if len(cells) > 2 and not cells[0].strip() else None
        if not match:
            continue
        name = match.group(1).strip()
        parts = [part.strip() for part in cells[2].split("\\|")]
        types = frozenset(p for p in parts if p in TYPE_WORDS)
        words = frozenset(p for p in parts if p and p not in TYPE_WORDS)
        # `${...}` placeholders (a name chosen by the user) match any key segment.
        pattern = re.compile(
            "".join(
                "[^/]+" if piece.startswith("${") else re.escape(piece)
                for piece in re.split(r"(\$\{[^}]+\})", name)
            )
        )
        annotations.append(Annotation(name, pattern, types, words))
    if not annotations:
        raise SystemExit(f"{path}: no annotation table found (has the upstream layout changed?)")
    return annotations


def annotation_problems(annotations: dict, table: list[Annotation]) -> list[tuple[str, str]]:
    """(annotation key, message) for every `alb.ingress.kubernetes.io/` annotation that is
    unknown or whose value does not fit."""
    problems = []
    for key, value in sorted(annotations.items()):
        if not key.startswith(PREFIX):
            continue
        name = key[len(PREFIX) :]
        known = next((a for a in table if a.pattern.fullmatch(name)), None)
        if known is None:
            problems.append((key, "unknown annotation: the AWS Load Balancer Controller has none"))
        elif not isinstance(value, str):
            problems.append((key, "annotation values are strings: quote it"))
        elif (problem := known.problem(value)) is not None:
            problems.append((key, problem))
    return problems
