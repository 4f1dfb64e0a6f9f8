"""Checks Prometheus rule files the way Prometheus loads them (scripts/check-prometheus-rules
runs it with the pinned venv in .tools/promql): the rule file structure (groups, names,
record XOR alert, durations, label and annotation names, as Prometheus' rulefmt validates
it) and every `expr` parsed by a real PromQL parser (PyPI promql-parser, the Rust
promql-parser crate). The platform's own rule on top: every alert has a severity label of
warning or critical. Prints FILE:LINE: group 'G' rule 'R': problem for each finding.
"""

import os
import re
import sys

import promql_parser
import yaml

DURATION = re.compile(r"^((\d+)y)?((\d+)w)?((\d+)d)?((\d+)h)?((\d+)m)?((\d+)s)?((\d+)ms)?$")
METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
GROUP_KEYS = {"name", "interval", "query_offset", "limit", "rules", "labels"}
RULE_KEYS = {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
SEVERITIES = {"warning", "critical"}


def plain(node):
    """A composed YAML node as Python data, each mapping keeping its node for line numbers."""
    if isinstance(node, yaml.MappingNode):
        out = {}
        for key, value in node.value:
            out[key.value] = plain(value)
        out["__node__"] = node
        return out
    if isinstance(node, yaml.SequenceNode):
        return [plain(item) for item in node.value]
    return yaml.SafeLoader(yaml.serialize(node)).get_single_data()


def line(obj):
    node = obj.get("__node__") if isinstance(obj, dict) else None
    return node.start_mark.line + 1 if node is not None else 1


def check_file(path):
    problems = []

    def bad(obj, where, text):
        problems.append(f"{path}:{line(obj)}: {where}{text}")

    try:
        with open(path, encoding="utf-8") as fh:
            root_node = yaml.compose(fh)
    except (OSError, yaml.YAMLError) as err:
        return [f"{path}: not readable as YAML: {err}"]
    if root_node is None:
        return [f"{path}:1: empty file; a rule file needs `groups:`"]
    data = plain(root_node)
    if not isinstance(data, dict) or not isinstance(data.get("groups"), list):
        return [f"{path}:1: a rule file is a mapping with a `groups:` list"]
    extra = set(data) - {"groups", "__node__"}
    if extra:
        bad(data, "", f"unknown top-level keys {sorted(extra)}; only `groups` is allowed")
    if not data["groups"]:
        bad(data, "", "`groups` is empty")
    seen = set()
    for group in data["groups"]:
        if not isinstance(group, dict):
            bad(data, "", "every entry of `groups` must be a mapping with name and rules")
            continue
        name = group.get("name")
        where = f"group '{name}': "
        if not isinstance(name, str) or not name:
            bad(group, "", "group without a `name`")
        elif name in seen:
            bad(group, where, "group name used twice in this file")
        seen.add(name)
        extra = set(group) - GROUP_KEYS - {"__node__"}
        if extra:
            bad(group, where, f"unknown keys {sorted(extra)}")
        if "interval" in group and not (isinstance(group["interval"], str) and DURATION.match(group["interval"]) and group["interval"]):
            bad(group, where, f"interval {group['interval']!r} is not a Prometheus duration (e.g. 1m)")
        rules = group.get("rules")
        if not isinstance(rules, list) or not rules:
            bad(group, where, "`rules` must be a non-empty list")
            continue
        for rule in rules:
            if not isinstance(rule, dict):
                bad(group, where, "every rule must be a mapping")
                continue
            record, alert = rule.get("record"), rule.get("alert")
            rwhere = f"{where}rule '{record or alert}': "
            extra = set(rule) - RULE_KEYS - {"__node__"}
            if extra:
                bad(rule, rwhere, f"unknown keys {sorted(extra)}")
            if (record is None) == (alert is None):
                bad(rule, rwhere, "a rule has exactly one of `record` and `alert`")
            expr = rule.get("expr")
            if not isinstance(expr, str) or not expr.strip():
                bad(rule, rwhere, "`expr` is missing or empty")
            else:
                try:
                    promql_parser.parse(expr)
                except Exception as err:  # the parser raises ValueError-like errors
                    bad(rule, rwhere, f"expr does not parse as PromQL: {err}")
            for key in ("for", "keep_firing_for"):
                value = rule.get(key)
                if value is not None and not (isinstance(value, str) and value and DURATION.match(value)):
                    bad(rule, rwhere, f"`{key}: {value!r}` is not a Prometheus duration (e.g. 5m)")
            labels = rule.get("labels") or {}
            annotations = rule.get("annotations") or {}
            for kind, mapping in (("label", labels), ("annotation", annotations)):
                if not isinstance(mapping, dict):
                    bad(rule, rwhere, f"{kind}s must be a mapping")
                    continue
                for key in mapping:
                    if key != "__node__" and not LABEL_NAME.match(str(key)):
                        bad(mapping, rwhere, f"invalid {kind} name {key!r}")
            if record is not None:
                if not isinstance(record, str) or not METRIC_NAME.match(record):
                    bad(rule, rwhere, f"record {record!r} is not a valid metric name")
                for key in ("for", "keep_firing_for", "annotations"):
                    if key in rule:
                        bad(rule, rwhere, f"a recording rule cannot have `{key}`")
            if alert is not None:
                if not isinstance(alert, str) or not alert:
                    bad(rule, rwhere, "alert name must be a non-empty string")
                if isinstance(labels, dict) and labels.get("severity") not in SEVERITIES:
                    bad(rule, rwhere, f"alerts need labels.severity of {sorted(SEVERITIES)} (got {labels.get('severity')!r})")
    return problems


def files(args):
    for arg in args:
        if os.path.isdir(arg):
            found = sorted(os.path.join(arg, f) for f in os.listdir(arg) if f.endswith((".yaml", ".yml")))
            if not found:
                sys.exit(f"check-prometheus-rules: no .yaml files in {arg}")
            yield from found
        else:
            yield arg


def main(args: list[str]) -> int:
    problems, checked = [], 0
    for path in files(args):
        checked += 1
        problems += check_file(path)
    for p in problems:
        print(p)
    if problems:
        print(f"check-prometheus-rules: {len(problems)} problem(s) in {checked} file(s)", file=sys.stderr)
        return 1
    print(f"check-prometheus-rules: {checked} rule file(s) OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
