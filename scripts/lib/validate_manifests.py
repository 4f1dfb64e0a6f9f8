"""Offline validation of the in-cluster parts under platform/.

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
4. `alb.ingress.kubernetes.io/*` annotations of Ingresses and Services against the AWS Load
   Balancer Controller's annotation table at the pinned chart's version (unknown keys and
   values of the wrong type fail; the API server accepts any annotation).
5. They agree with the environment's Terraform variables in
   infra/environments/<env>/terraform.tfvars (read with python-hcl2, a real HCL parser):
   the NodePool's capacity types equal `karpenter_capacity_types` (the GPU pool's, and its
   instance types and `nvidia.com/gpu` limit, equal `gpu_capacity_types`,
   `gpu_instance_types` and `gpu_limit`), Mountpoint volumes name the environment's
   artifact bucket with pod-level credentials, ECR image references
   name the environment's `account_id` and `region`, a chart's `region` value is
   `region`, and NetworkPolicy ipBlocks lie inside `vpc_cidr`.

6. The objects of one directory refer to each other correctly (references.py): HPA
   targets, Ingress backends, selectors, named ports, node classes, namespaces, volumes,
   claims, service accounts.

7. No static credential (static_secrets.py): no Secret objects, no credential-named
   environment variable with a literal value; an internet-facing ALB needs HTTPS.

A folder with a kustomization.yaml under platform/environments/<env>/ is an overlay: it is
rendered as `kubectl apply -k` would (overlays.py) and its objects checked as above, each
finding naming the base file or the environment's kustomization.yaml that holds the value.
Files of a base (platform/base/) name no environment and are checked only as rendered, so
a placeholder the base leaves to the environments fails if one of them does not set it.

This file is the driver; the checks are in kubernetes_schemas.py (1, with crd_cel.py),
chart_values.py (2), terraform_agreement.py (3, 5), alb_annotations.py (4) and
references.py (6), overlays.py renders the overlays; manifest_report.py holds the
documents and findings they share.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from pathlib import Path
from typing import Any

import yaml

from alb_annotations import annotation_problems, load_table
from chart_values import check_values
from kubernetes_schemas import Schemas, check_manifest
from manifest_report import LOADER, Document, Finding, Report, load_documents
from overlays import KUSTOMIZATION, OverlayError, render
from references import check_references
from static_secrets import check_static_secrets
from terraform_agreement import (
    TerraformVariables,
    check_base_names,
    check_capacity_types,
    check_environment_names,
    check_mountpoint_volume,
    check_placeholders,
    check_network_policy,
    check_registries,
    check_values_region,
    read_tfvars,
)

__all__ = ["Finding", "Report", "main", "validate"]

# Helm values files: `<chart>.values.yaml`, checked against the chart named here, whose
# pinned version comes from platform/versions.env.
CHARTS = {
    "aws-load-balancer-controller": (
        "AWS_LOAD_BALANCER_CONTROLLER_CHART_VERSION",
        "aws-load-balancer-controller-{version}/values.yaml",
    ),
    "karpenter": ("KARPENTER_VERSION", "karpenter-v{version}/chart-values.yaml"),
    "nvidia-device-plugin": (
        "NVIDIA_DEVICE_PLUGIN_CHART_VERSION",
        "nvidia-device-plugin-{version}/values.yaml",
    ),
    "dcgm-exporter": ("DCGM_EXPORTER_CHART_VERSION", "dcgm-exporter-{version}/values.yaml"),
}


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


def validate(
    platform: Path, infra_environments: Path, base: Path, rendered: Path | None = None
) -> Report:
    """Checks everything under `platform`; with `rendered`, also writes each environment's
    rendered overlays there (one file each), for checkov, which reads files."""
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
    lbc_version = versions["AWS_LOAD_BALANCER_CONTROLLER_CHART_VERSION"]
    alb_table = load_table(
        schema_root / f"aws-load-balancer-controller-{lbc_version}" / "ingress-annotations.md"
    )
    report.notes.append(
        f"Kubernetes {kubernetes_version} schemas from kubernetes-validate (strict); CRDs "
        f"from {show(crd_dir)} with their {schemas.cel_rules} CEL rules (the "
        f"{schemas.transition_rules} that compare with oldSelf apply to updates only: skipped)"
    )

    tfvars_by_env: dict[str, TerraformVariables] = {}
    # Schema-valid objects per directory (an environment, an overlay, or another folder of
    # platform/), for the references between them; directories with a broken object.
    valid_by_dir: dict[Path, list[Document]] = {}
    broken_dirs: set[Path] = set()
    files = sorted(
        p for p in platform.rglob("*.yaml") if schema_root not in p.parents and p.is_file()
    )
    if not files:
        raise SystemExit(f"no manifests under {show(platform)}")
    for path in files:
        display = show(path)
        relative = path.relative_to(platform).parts
        env = relative[1] if len(relative) > 2 and relative[0] == "environments" else None
        # A file in (or below) a folder with a kustomization.yaml is part of an overlay or
        # a base: checked as the environments' overlays render it, not alone.
        kustomized = next(
            (d for d in path.parents if platform in d.parents and (d / KUSTOMIZATION).is_file()),
            None,
        )
        tfvars = None
        if env:
            check_environment_names(path, display, env, report)
            if env not in tfvars_by_env:
                tfvars_path = infra_environments / env / "terraform.tfvars"
                tfvars_by_env[env] = read_tfvars(tfvars_path, show(tfvars_path), report)
            tfvars = tfvars_by_env[env]
            check_registries(path, display, tfvars, report)
        elif kustomized is not None:
            check_base_names(path, display, report)
        if kustomized is not None:
            if not (env and path.name == KUSTOMIZATION):
                continue
            before = len(report.findings)
            try:
                rendered_docs = render(path.parent, show)
            except OverlayError as error:
                report.findings.append(error.finding)
                broken_dirs.add(path.parent)
                continue
            docs = [Document(d.path, display, d.data, d.node) for d in rendered_docs]
            if rendered is not None:
                out = rendered / ("-".join(path.parent.relative_to(platform).parts) + ".yaml")
                out.write_text(
                    yaml.safe_dump_all([d.data for d in docs], sort_keys=False), encoding="utf-8"
                )
            for doc in docs:
                check_placeholders(doc, report)
            if len(report.findings) > before:
                broken_dirs.add(path.parent)
        else:
            docs, errors = load_documents(path, display)
            report.findings.extend(errors)
            if errors:
                broken_dirs.add(path.parent)
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
            if valid:
                valid_by_dir.setdefault(path.parent, []).append(doc)
            else:
                broken_dirs.add(path.parent)
            kind = doc.data.get("kind") if isinstance(doc.data, dict) else None
            if tfvars and kind == "NodePool":
                check_capacity_types(doc, env, tfvars, report)
            if tfvars and env and kind == "PersistentVolume" and valid:
                check_mountpoint_volume(doc, env, tfvars, report)
            if valid and kind in ("Ingress", "Service"):
                annotations = doc.data["metadata"].get("annotations") or {}
                for key, message in annotation_problems(annotations, alb_table):
                    report.add(doc, ["metadata", "annotations", key], message)
                scheme = annotations.get("alb.ingress.kubernetes.io/scheme")
                if (
                    kind == "Ingress"
                    and scheme == "internet-facing"
                    and "alb.ingress.kubernetes.io/certificate-arn" not in annotations
                ):
                    report.add(
                        doc,
                        ["metadata", "annotations", "alb.ingress.kubernetes.io/scheme"],
                        "an internet-facing ALB without certificate-arn serves plain HTTP to "
                        "the internet: keep it internal, or add an ACM certificate (HTTPS)",
                    )
            if valid:
                check_static_secrets(doc, report)
            # Only a schema-valid policy has the shape check_network_policy walks.
            if tfvars and kind == "NetworkPolicy" and valid:
                check_network_policy(doc, tfvars, report)
    for directory in sorted(valid_by_dir):
        # A broken object would show up again as a missing target; fix the objects first.
        prefix = show(directory) + "/"
        if directory not in broken_dirs and not any(
            f.file.startswith(prefix) for f in report.findings
        ):
            check_references(valid_by_dir[directory], report)
    # A base's problem shows up once per environment that renders it: report it once.
    report.findings = list(dict.fromkeys(report.findings))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--platform", type=Path, default=Path("platform"))
    parser.add_argument("--infra-environments", type=Path, default=Path("infra/environments"))
    parser.add_argument("--quiet", action="store_true", help="print only findings")
    parser.add_argument(
        "--rendered",
        type=Path,
        help="write each environment's rendered overlays into this existing directory",
    )
    args = parser.parse_args(argv)
    base = Path.cwd()
    report = validate(
        args.platform.resolve(), args.infra_environments.resolve(), base, args.rendered
    )
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
