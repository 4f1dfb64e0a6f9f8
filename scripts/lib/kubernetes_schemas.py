"""Schemas of Kubernetes objects: the built-in kinds from kubernetes-validate's bundle, the
custom ones from committed CRDs (as JSON Schema, plus their CEL rules), and the check of
one manifest against them.
"""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource

from crd_cel import RuleSet
from manifest_report import LOADER, Document, Report

DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
OBJECT_META_REF = DEFINITIONS_ID + "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


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
