"""Offline validation of the in-cluster parts under platform/ (issue 14 point 7).

Run through scripts/validate-manifests, which uses the pinned venv from scripts/setup.

What it checks, each finding printed as `file:line: resource: field.path: message`:

1. Every Kubernetes manifest (`*.yaml` under platform/, except `*.values.yaml` and
   platform/schemas/) against the Kubernetes JSON schemas that PyPI's kubernetes-validate
   bundles for KUBERNETES_VERSION (platform/versions.env), in their strict form (unknown
   fields are errors, as `kubectl apply --validate=strict` makes them). Custom resources
   (Karpenter's NodePool, EC2NodeClass) against the openAPIV3Schema of their CRD, committed
   under platform/schemas/karpenter-v<KARPENTER_VERSION>/ from the upstream tag, then their
   CEL rules (crd_cel.py). A kind with no schema is an error, never a silent pass.
2. Every `<chart>.values.yaml` against the chart's own values.yaml at the pinned version
   (neither chart publishes a values.schema.json): every key must exist there, and where
   the chart's default is a non-empty value its type must match.
3. Files under platform/environments/<env>/ name only their own environment
   (`mlops-<env>...`), so a file copied from another environment cannot point at the wrong
   cluster, role or image.
4. They agree with the environment's Terraform variables in
   infra/environments/<env>/terraform.tfvars (read with python-hcl2, a real HCL parser):
   the NodePool's capacity types equal `karpenter_capacity_types`, ECR image references
   name the environment's `account_id` and `region`, a chart's `region` value is
   `region`, and NetworkPolicy ipBlocks lie inside `vpc_cidr`.
"""

from __future__ import annotations

import argparse
import hashlib
import ipaddress
import json
import re
import sys
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from collections.abc import Iterable
from typing import Any

import hcl2
import jsonschema
import yaml
from referencing import Registry, Resource

from crd_cel import RuleSet

# libyaml's loader when PyYAML has it (its wheels do): the CRDs are large.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
OBJECT_META_REF = DEFINITIONS_ID + "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
ENVIRONMENT_NAME = re.compile(r"\bmlops-(dev|stage|prod)\b")
ECR_REGISTRY = re.compile(r"\b(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\b")
CAPACITY_TYPE_KEY = "karpenter.sh/capacity-type"
# Helm values files: `<chart>.values.yaml`, checked against the chart named here, whose
# pinned version comes from platform/versions.env.
CHARTS = {
    "aws-load-balancer-controller": (
        "AWS_LOAD_BALANCER_CONTROLLER_CHART_VERSION",
        "aws-load-balancer-controller-{version}/values.yaml",
    ),
    "karpenter": ("KARPENTER_VERSION", "karpenter-v{version}/chart-values.yaml"),
}


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
        for data, node in zip(datas, nodes)
        if data is not None and node is not None
    ]
    return docs, []


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Z][A-Z0-9_]*", key):
            raise SystemExit(f"{path}:{number}: expected KEY=VALUE, got {raw!r}")
        values[key] = value
    return values


# ---------------------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------------------


def crd_to_json_schema(schema: Any, counter: list[int]) -> Any:
    """An OpenAPI v3 structural schema of a CRD as JSON Schema 2020-12.

    The API server prunes or rejects unknown fields; here they are errors
    (additionalProperties false where the CRD lists properties and does not keep unknown
    fields). `nullable` and `x-kubernetes-int-or-string` become JSON Schema types. CEL rules
    are dropped here (crd_cel.RuleSet evaluates them) and counted.
    """
    if isinstance(schema, list):
        return [crd_to_json_schema(item, counter) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "x-kubernetes-validations":
            counter[0] += len(value)
            continue
        if key in ("properties", "patternProperties", "$defs"):
            out[key] = {name: crd_to_json_schema(sub, counter) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not", "allOf", "anyOf", "oneOf"):
            out[key] = crd_to_json_schema(value, counter)
        else:
            out[key] = value
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["type"] = ["integer", "string"]
    if out.pop("nullable", False) and "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = types + ["null"]
    keeps_unknown = out.get("x-kubernetes-preserve-unknown-fields", False)
    if out.get("type") == "object" and "properties" in out and not keeps_unknown:
        out.setdefault("additionalProperties", False)
    return out


class Schemas:
    """Finds the schema of a manifest by apiVersion and kind."""

    def __init__(self, kubernetes_version: str, crd_files: list[Path]):
        bundle = resources.files("kubernetes_validate") / "kubernetes-json-schema"
        directory = bundle / f"v{kubernetes_version}.0-local-strict"
        if not directory.is_dir():
            have = sorted(p.name for p in bundle.iterdir() if p.name.endswith("-local-strict"))
            raise SystemExit(
                f"kubernetes-validate bundles no schemas for Kubernetes {kubernetes_version} "
                f"(it has {', '.join(have)}); bump it in scripts/setup or pin another "
                "KUBERNETES_VERSION in platform/versions.env"
            )
        self.kubernetes_version = kubernetes_version
        self.directory = directory
        definitions = json.loads((directory / "_definitions.json").read_text(encoding="utf-8"))
        self.registry = Registry().with_resource(
            DEFINITIONS_ID, Resource.from_contents(definitions)
        )
        self.custom: dict[tuple[str, str], dict] = {}
        self.rules: dict[tuple[str, str], RuleSet] = {}
        self.cel_rules = 0
        self.transition_rules = 0
        for path in crd_files:
            self._add_crd(path)

    def _add_crd(self, path: Path) -> None:
        for crd in yaml.load_all(path.read_text(encoding="utf-8"), Loader=LOADER):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                if not version.get("served", False):
                    continue
                raw = version["schema"]["openAPIV3Schema"]
                counter = [0]
                schema = crd_to_json_schema(raw, counter)
                rules = RuleSet(raw)
                self.cel_rules += rules.count
                self.transition_rules += rules.skipped_transition_rules
                # The CRD says only `metadata: {type: object}`; the API server applies
                # ObjectMeta, so do the same.
                schema["properties"]["metadata"] = {"$ref": OBJECT_META_REF}
                schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
                key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                self.custom[key] = schema
                self.rules[key] = rules

    def validator_for(self, api_version: str, kind: str) -> jsonschema.Validator | None:
        schema = self.custom.get((api_version, kind))
        if schema is None:
            # kubernetes-validate's file naming: apps/v1 Deployment -> deployment-apps-v1.json,
            # networking.k8s.io/v1 Ingress -> ingress-networking-v1.json, v1 -> service-v1.json.
            group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
            candidate = self.directory / f"{kind.lower()}-{group_version}.json"
            if not candidate.is_file():
                return None
            schema = json.loads(candidate.read_text(encoding="utf-8"))
        return jsonschema.Draft202012Validator(schema, registry=self.registry)


def schema_findings(doc: Document, validator: jsonschema.Validator, report: Report) -> None:
    for error in sorted(validator.iter_errors(doc.data), key=lambda e: list(e.absolute_path)):
        path = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(error.schema.get("properties", {}))
            patterns = [re.compile(p) for p in error.schema.get("patternProperties", {})]
            for extra in sorted(error.instance):
                if extra not in known and not any(p.search(extra) for p in patterns):
                    report.add(doc, path + [extra], "unknown field (not in the schema)")
        elif error.validator == "required":
            missing = re.match(r"'([^']+)' is a required property", error.message)
            name = missing.group(1) if missing else "?"
            report.add(doc, path + [name], "required field is missing")
        else:
            message = error.message
            if error.context:  # anyOf/oneOf: the closest branch says most
                message = jsonschema.exceptions.best_match(error.context).message
            report.add(doc, path, message)


# ---------------------------------------------------------------------------------------
# Checks
# ---------------------------------------------------------------------------------------


def check_manifest(doc: Document, schemas: Schemas, report: Report) -> bool:
    """True when the document matches its schema."""
    data = doc.data
    if not isinstance(data, dict):
        report.add(doc, [], "a Kubernetes manifest must be a mapping")
        return False
    api_version, kind = data.get("apiVersion"), data.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        report.add(doc, [], "apiVersion and kind must both be set (strings)")
        return False
    validator = schemas.validator_for(api_version, kind)
    if validator is None:
        report.add(
            doc,
            ["apiVersion"],
            f"no schema for {kind} {api_version} in Kubernetes {schemas.kubernetes_version} "
            "or in the committed CRDs (platform/schemas/); fix the apiVersion or commit the "
            "CRD with its source",
        )
        return False
    before = len(report.findings)
    schema_findings(doc, validator, report)
    # CEL rules assume the schema holds (as on the API server, which checks it first).
    rules = schemas.rules.get((api_version, kind))
    if rules is not None and len(report.findings) == before:
        for violation in rules.violations(data):
            report.add(doc, violation.path, violation.message)
    if len(report.findings) > before:
        return False
    report.passed.append(f"{doc.display}: {doc.label} ({api_version})")
    return True


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


def check_environment_names(path: Path, display: str, env: str, report: Report) -> None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for match in ENVIRONMENT_NAME.finditer(line):
            if match.group(1) != env:
                report.findings.append(
                    Finding(
                        display,
                        number,
                        f"environment {env}",
                        f"names {match.group(0)!r}, another environment's resource "
                        f"(copied from {match.group(1)}?)",
                    )
                )


def capacity_types(doc: Document) -> tuple[list[str], list[Any]] | None:
    spec = doc.data.get("spec") if isinstance(doc.data, dict) else None
    template = spec.get("template") if isinstance(spec, dict) else None
    tspec = template.get("spec") if isinstance(template, dict) else None
    requirements = tspec.get("requirements") if isinstance(tspec, dict) else None
    for index, requirement in enumerate(requirements or []):
        if isinstance(requirement, dict) and requirement.get("key") == CAPACITY_TYPE_KEY:
            path = ["spec", "template", "spec", "requirements", index, "values"]
            if requirement.get("operator") != "In":
                return None
            return sorted(requirement.get("values") or []), path
    return None


@dataclass
class TerraformVariables:
    """An environment's terraform.tfvars, parsed once; `values` is None when unreadable."""

    display: str
    values: dict[str, Any] | None


def read_tfvars(path: Path, display: str, report: Report) -> TerraformVariables:
    if not path.is_file():
        report.findings.append(
            Finding(display, 1, "HCL", "missing: the platform files of this environment need it")
        )
        return TerraformVariables(display, None)
    try:
        with path.open(encoding="utf-8") as handle:
            # The values, not their HCL source form ("us-east-1" without its quotes).
            options = hcl2.SerializationOptions(strip_string_quotes=True)
            return TerraformVariables(display, hcl2.load(handle, serialization_options=options))
    except Exception as error:  # python-hcl2 raises lark's errors; name the file either way
        report.findings.append(Finding(display, 1, "HCL", f"cannot parse: {error}"))
        return TerraformVariables(display, None)


def check_capacity_types(
    doc: Document, env: str, tfvars: TerraformVariables, report: Report
) -> None:
    if tfvars.values is None:
        return
    wanted = tfvars.values.get("karpenter_capacity_types")
    if wanted is None:
        report.notes.append(
            f"{tfvars.display} sets no karpenter_capacity_types yet: capacity types of "
            f"{env} not compared (issue 14 point 3 adds it)"
        )
        return
    found = capacity_types(doc)
    if found is None:
        report.add(
            doc,
            ["spec", "template", "spec", "requirements"],
            f"needs a requirement `{CAPACITY_TYPE_KEY} In [...]` to compare with "
            f"karpenter_capacity_types in {tfvars.display}",
        )
        return
    values, path = found
    if values != sorted(wanted):
        report.add(
            doc,
            path,
            f"capacity types {values} differ from karpenter_capacity_types {sorted(wanted)} "
            f"in {tfvars.display}; change one so they agree",
        )


def check_registries(path: Path, display: str, tfvars: TerraformVariables, report: Report) -> None:
    if tfvars.values is None:
        return
    account, region = tfvars.values.get("account_id"), tfvars.values.get("region")
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for match in ECR_REGISTRY.finditer(line):
            if (match.group(1), match.group(2)) != (account, region):
                report.findings.append(
                    Finding(
                        display,
                        number,
                        "image",
                        f"ECR registry {match.group(0)} is not this environment's "
                        f"({account}.dkr.ecr.{region}.amazonaws.com, from account_id and "
                        f"region in {tfvars.display})",
                    )
                )


def check_network_policy(doc: Document, tfvars: TerraformVariables, report: Report) -> None:
    if tfvars.values is None or "vpc_cidr" not in tfvars.values:
        return
    vpc = ipaddress.ip_network(tfvars.values["vpc_cidr"])
    spec = doc.data.get("spec") or {}
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in enumerate(spec.get(direction) or []):
            for j, peer in enumerate(rule.get(peers) or []):
                cidr = (peer.get("ipBlock") or {}).get("cidr")
                if cidr is None:
                    continue
                path = ["spec", direction, i, peers, j, "ipBlock", "cidr"]
                try:
                    inside = ipaddress.ip_network(cidr).subnet_of(vpc)
                except (ValueError, TypeError):
                    inside = False
                if not inside:
                    report.add(
                        doc,
                        path,
                        f"{cidr} is not inside vpc_cidr {vpc} of {tfvars.display}",
                    )


def check_values_region(doc: Document, tfvars: TerraformVariables, report: Report) -> None:
    if tfvars.values is None or not isinstance(doc.data, dict) or "region" not in doc.data:
        return
    if doc.data["region"] != tfvars.values.get("region"):
        report.add(
            doc,
            ["region"],
            f"{doc.data['region']!r} is not region {tfvars.values.get('region')!r} in {tfvars.display}",
        )


# ---------------------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------------------


def verify_checksums(schema_root: Path, show: Any) -> None:
    """The committed upstream schemas are exactly the files SHA256SUMS names."""
    sums = schema_root / "SHA256SUMS"
    if not sums.is_file():
        raise SystemExit(f"{show(sums)} is missing: it pins the upstream schemas")
    for number, line in enumerate(sums.read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        target = schema_root / name
        if not target.is_file():
            raise SystemExit(f"{show(sums)}:{number}: {name} is missing")
        if hashlib.sha256(target.read_bytes()).hexdigest() != digest:
            raise SystemExit(
                f"{show(target)} differs from its upstream copy ({show(sums)}:{number}); "
                "schemas are copied, never edited (see platform/schemas/README.md)"
            )


def validate(platform: Path, infra_environments: Path, base: Path) -> Report:
    report = Report()

    def show(path: Path) -> str:
        try:
            return str(path.relative_to(base))
        except ValueError:
            return str(path)

    versions = read_env_file(platform / "versions.env")
    verify_checksums(platform / "schemas", show)
    kubernetes_version = versions["KUBERNETES_VERSION"]
    schema_root = platform / "schemas"
    crd_dir = schema_root / f"karpenter-v{versions['KARPENTER_VERSION']}"
    crd_files = sorted(crd_dir.glob("*_*.yaml"))
    if not crd_files:
        raise SystemExit(f"no CRDs in {show(crd_dir)} for KARPENTER_VERSION in versions.env")
    schemas = Schemas(kubernetes_version, crd_files)
    report.notes.append(
        f"Kubernetes {kubernetes_version} schemas from kubernetes-validate (strict); CRDs "
        f"from {show(crd_dir)} with their {schemas.cel_rules} CEL rules (the "
        f"{schemas.transition_rules} that compare with oldSelf apply to updates only: skipped)"
    )

    tfvars_by_env: dict[str, TerraformVariables] = {}
    files = sorted(
        p for p in platform.rglob("*.yaml") if schema_root not in p.parents and p.is_file()
    )
    if not files:
        raise SystemExit(f"no manifests under {show(platform)}")
    for path in files:
        display = show(path)
        docs, errors = load_documents(path, display)
        report.findings.extend(errors)
        relative = path.relative_to(platform).parts
        env = relative[1] if len(relative) > 2 and relative[0] == "environments" else None
        tfvars = None
        if env:
            check_environment_names(path, display, env, report)
            if env not in tfvars_by_env:
                tfvars_path = infra_environments / env / "terraform.tfvars"
                tfvars_by_env[env] = read_tfvars(tfvars_path, show(tfvars_path), report)
            tfvars = tfvars_by_env[env]
            check_registries(path, display, tfvars, report)
        if path.name.endswith(".values.yaml"):
            chart = path.name[: -len(".values.yaml")]
            if chart not in CHARTS:
                report.findings.append(
                    Finding(
                        display,
                        1,
                        "values",
                        f"no chart known for {chart!r}: one of {sorted(CHARTS)}",
                    )
                )
                continue
            version_key, pattern = CHARTS[chart]
            chart_file = schema_root / pattern.format(version=versions[version_key])
            chart_values = yaml.load(chart_file.read_text(encoding="utf-8"), Loader=LOADER)
            for doc in docs:
                check_values(doc, chart_values, chart, report)
                if tfvars:
                    check_values_region(doc, tfvars, report)
            continue
        for doc in docs:
            valid = check_manifest(doc, schemas, report)
            kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
            if tfvars and kind == "NodePool":
                check_capacity_types(doc, env, tfvars, report)
            # Only a schema-valid policy has the shape check_network_policy walks.
            if tfvars and kind == "NetworkPolicy" and valid:
                check_network_policy(doc, tfvars, report)
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--platform", type=Path, default=Path("platform"))
    parser.add_argument("--infra-environments", type=Path, default=Path("infra/environments"))
    parser.add_argument("--quiet", action="store_true", help="print only findings")
    args = parser.parse_args(argv)
    base = Path.cwd()
    report = validate(args.platform.resolve(), args.infra_environments.resolve(), base)
    if not args.quiet:
        for line in report.passed:
            print(f"ok   {line}")
    for note in report.notes:
        print(f"note {note}")
    for finding in report.findings:
        print(f"FAIL {finding}", file=sys.stderr)
    if report.findings:
        print(
            f"validate-manifests: {len(report.findings)} finding(s) in {args.platform}",
            file=sys.stderr,
        )
        return 1
    print(f"validate-manifests: {len(report.passed)} documents passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
