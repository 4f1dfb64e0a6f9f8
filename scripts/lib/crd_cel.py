"""The CEL rules of a CRD (x-kubernetes-validations), evaluated offline with cel-python.

The API server runs these rules after defaulting; schema validation alone misses what they
say (in Karpenter's CRDs, for example: an `alias` AMI selector term combined with an `id`,
or a NodePool requirement on a label Karpenter reserves). This module does what the API
server does for a create:

- applies the schema's `default`s to the object first, as the server does before it
  validates;
- walks the object along the schema (properties, items, additionalProperties) and evaluates
  every rule of every node present with `self` bound to that node's value;
- skips transition rules (those that use `oldSelf`: they only apply to updates).

Kubernetes adds CEL libraries to the standard language; the two Karpenter's rules use
beyond the standard (`find` from its regex library and `split` from its strings library)
are provided here with RE2 semantics, as in Kubernetes. A rule that needs anything else
fails to evaluate and is reported as such, never taken as passed.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any
from collections.abc import Iterator

import celpy
import re2
from celpy import celtypes


@dataclass(frozen=True)
class Violation:
    path: list[Any]
    message: str


def _find(value: Any, pattern: Any) -> celtypes.StringType:
    """Kubernetes' `<string>.find(<regex>)`: the first match, or "" when none."""
    match = re2.search(str(pattern), str(value))
    return celtypes.StringType(match.group(0) if match else "")


def _split(value: Any, separator: Any, *limit: Any) -> celtypes.ListType:
    """Kubernetes' `<string>.split(<separator>[, <limit>])`."""
    text, sep = str(value), str(separator)
    if limit:
        count = int(limit[0])
        if count == 0:
            return celtypes.ListType([])
        parts = text.split(sep, count - 1) if count > 0 else text.split(sep)
    else:
        parts = text.split(sep)
    return celtypes.ListType([celtypes.StringType(p) for p in parts])


KUBERNETES_FUNCTIONS = {"find": _find, "split": _split}

# Rule outcomes by (rule, value as canonical JSON): evaluating CEL in Python is the slow
# part, and the same unchanged objects are checked again and again (the tests validate
# the whole tree once per broken variant). A rule's outcome depends only on these two.
_OUTCOMES: dict[tuple[str, str], Any] = {}


def apply_defaults(schema: Any, value: Any) -> Any:
    """A copy of `value` with the schema's defaults filled in where fields are absent."""
    value = copy.deepcopy(value)
    _default(schema, value)
    return value


def _default(schema: Any, value: Any) -> None:
    if not isinstance(schema, dict):
        return
    if isinstance(value, dict):
        for name, sub in (schema.get("properties") or {}).items():
            if name not in value and isinstance(sub, dict) and "default" in sub:
                value[name] = copy.deepcopy(sub["default"])
            if name in value:
                _default(sub, value[name])
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            known = set(schema.get("properties") or {})
            for name, item in value.items():
                if name not in known:
                    _default(extra, item)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _default(schema["items"], item)


class RuleSet:
    """The compiled CEL rules of one CRD version, evaluated against objects."""

    def __init__(self, schema: dict):
        self.schema = schema
        self.environment = celpy.Environment()
        self.programs: dict[str, Any] = {}
        self.skipped_transition_rules = 0
        self.count = 0
        for rule in self._rules(schema):
            self.count += 1
            if "oldSelf" in rule["rule"]:
                self.skipped_transition_rules += 1

    def _rules(self, schema: Any) -> Iterator[dict]:
        if not isinstance(schema, dict):
            return
        yield from schema.get("x-kubernetes-validations") or []
        for sub in (schema.get("properties") or {}).values():
            yield from self._rules(sub)
        for key in ("items", "additionalProperties"):
            if isinstance(schema.get(key), dict):
                yield from self._rules(schema[key])

    def _program(self, rule: str) -> Any:
        if rule not in self.programs:
            self.programs[rule] = self.environment.program(
                self.environment.compile(rule), functions=KUBERNETES_FUNCTIONS
            )
        return self.programs[rule]

    def violations(self, obj: Any) -> list[Violation]:
        found: list[Violation] = []
        self._walk(self.schema, apply_defaults(self.schema, obj), [], found)
        return found

    def _walk(self, schema: Any, value: Any, path: list[Any], found: list[Violation]) -> None:
        if not isinstance(schema, dict):
            return
        for rule in schema.get("x-kubernetes-validations") or []:
            if "oldSelf" in rule["rule"]:
                continue
            self._check(rule, value, path, found)
        if isinstance(value, dict):
            properties = schema.get("properties") or {}
            for name, sub in properties.items():
                if name in value:
                    self._walk(sub, value[name], path + [name], found)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                for name, item in value.items():
                    if name not in properties:
                        self._walk(extra, item, path + [name], found)
        elif isinstance(value, list) and isinstance(schema.get("items"), dict):
            for index, item in enumerate(value):
                self._walk(schema["items"], item, path + [index], found)

    def _check(self, rule: dict, value: Any, path: list[Any], found: list[Violation]) -> None:
        text = rule["rule"]
        key = (text, json.dumps(value, sort_keys=True, default=str))
        if key not in _OUTCOMES:
            try:
                _OUTCOMES[key] = self._program(text).evaluate({"self": celpy.json_to_cel(value)})
            except Exception as error:  # cel-python raises its own and Python errors alike
                _OUTCOMES[key] = error
        result = _OUTCOMES[key]
        if isinstance(result, Exception) and not isinstance(result, celpy.CELEvalError):
            found.append(Violation(path, f"CEL rule could not be evaluated ({result}): {text}"))
            return
        if isinstance(result, celpy.CELEvalError):
            found.append(Violation(path, f"CEL rule could not be evaluated ({result}): {text}"))
        elif result is not True and result != celtypes.BoolType(True):
            where = path + _field_path(rule.get("fieldPath"))
            found.append(Violation(where, f"{rule.get('message') or 'failed'} (CEL: {text})"))


def _field_path(field_path: str | None) -> list[Any]:
    """`.spec.foo` or `.foo['bar']` (a rule's fieldPath) as path parts."""
    if not field_path:
        return []
    parts: list[Any] = []
    for token in re2.findall(r"\.([A-Za-z0-9_-]+)|\['([^']+)'\]", field_path):
        parts.append(token[0] or token[1])
    return parts
