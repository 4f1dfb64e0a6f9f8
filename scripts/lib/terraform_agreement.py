"""An environment's platform files against its Terraform side: the names of its own
environment only, and the values of infra/environments/<env>/terraform.tfvars (read with
python-hcl2) for capacity types, ECR registry, region and VPC range.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2

from manifest_report import Document, Finding, Report

ENVIRONMENT_NAME = re.compile(r"\bmlops-(dev|stage|prod)\b")
ECR_REGISTRY = re.compile(r"\b(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\b")
CAPACITY_TYPE_KEY = "karpenter.sh/capacity-type"
# Marks a value in a base that every environment's overlay must replace.
PLACEHOLDER = "set-by-each-environment"


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


def check_base_names(path: Path, display: str, report: Report) -> None:
    """A base is shared by every environment, so it names none of them."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for match in ENVIRONMENT_NAME.finditer(line):
            report.findings.append(
                Finding(
                    display,
                    number,
                    "base",
                    f"names {match.group(0)!r}, but a base is shared by every environment: "
                    "set it in each environment's kustomization.yaml instead",
                )
            )


def check_placeholders(doc: Document, report: Report) -> None:
    """A value the base leaves to each environment (marked PLACEHOLDER) that an
    environment's overlay did not set."""

    def walk(value: Any, path: list[Any]) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, [*path, key])
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, [*path, index])
        elif isinstance(value, str) and PLACEHOLDER in value:
            report.add(
                doc,
                path,
                f"{value!r} is the base's placeholder: set it in {doc.display} "
                "(a JSON patch)",
            )

    walk(doc.data, [])


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


GPU_RESOURCE = "nvidia.com/gpu"
INSTANCE_TYPE_KEY = "node.kubernetes.io/instance-type"


def is_gpu_pool(doc: Document) -> bool:
    """A NodePool whose nodes carry the nvidia.com/gpu taint: it follows the gpu_*
    variables, every other pool karpenter_capacity_types."""
    spec = doc.data.get("spec") if isinstance(doc.data, dict) else None
    template = spec.get("template") if isinstance(spec, dict) else None
    tspec = template.get("spec") if isinstance(template, dict) else None
    taints = tspec.get("taints") if isinstance(tspec, dict) else None
    return any(isinstance(t, dict) and t.get("key") == GPU_RESOURCE for t in taints or [])


def requirement_values(doc: Document, key: str) -> tuple[list[str], list[Any]] | None:
    spec = doc.data.get("spec") if isinstance(doc.data, dict) else None
    template = spec.get("template") if isinstance(spec, dict) else None
    tspec = template.get("spec") if isinstance(template, dict) else None
    requirements = tspec.get("requirements") if isinstance(tspec, dict) else None
    for index, requirement in enumerate(requirements or []):
        if isinstance(requirement, dict) and requirement.get("key") == key:
            path = ["spec", "template", "spec", "requirements", index, "values"]
            if requirement.get("operator") != "In":
                return None
            return sorted(str(v) for v in requirement.get("values") or []), path
    return None


def _compare_requirement(
    doc: Document, env: str, tfvars: TerraformVariables, key: str, variable: str, what: str,
    report: Report,
) -> None:
    assert tfvars.values is not None
    wanted = tfvars.values.get(variable)
    if wanted is None:
        report.notes.append(
            f"{tfvars.display} sets no {variable} yet: {what} of {env} not compared (it is "
            "the variable the NodePool must agree with)"
        )
        return
    found = requirement_values(doc, key)
    if found is None:
        report.add(
            doc,
            ["spec", "template", "spec", "requirements"],
            f"needs a requirement `{key} In [...]` to compare with {variable} in {tfvars.display}",
        )
        return
    values, path = found
    if values != sorted(str(w) for w in wanted):
        report.add(
            doc,
            path,
            f"{what} {values} differ from {variable} {sorted(wanted)} in {tfvars.display}; "
            "change one so they agree",
        )


def check_capacity_types(
    doc: Document, env: str, tfvars: TerraformVariables, report: Report
) -> None:
    if tfvars.values is None:
        return
    gpu = is_gpu_pool(doc)
    variable = "gpu_capacity_types" if gpu else "karpenter_capacity_types"
    _compare_requirement(doc, env, tfvars, CAPACITY_TYPE_KEY, variable, "capacity types", report)
    if gpu:
        check_gpu_pool(doc, env, tfvars, report)


def check_gpu_pool(doc: Document, env: str, tfvars: TerraformVariables, report: Report) -> None:
    """The GPU pool's instance types and nvidia.com/gpu limit are what Terraform priced:
    the budget covers gpu_limit GPUs of the dearest of gpu_instance_types."""
    assert tfvars.values is not None
    _compare_requirement(
        doc, env, tfvars, INSTANCE_TYPE_KEY, "gpu_instance_types", "instance types", report
    )
    wanted = tfvars.values.get("gpu_limit")
    limits = (doc.data.get("spec") or {}).get("limits") or {}
    if GPU_RESOURCE not in limits:
        report.add(
            doc,
            ["spec", "limits"],
            f"a GPU pool needs a `{GPU_RESOURCE}` limit (gpu_limit in {tfvars.display}): "
            "without one it may launch GPUs the budget does not cover",
        )
        return
    if wanted is None:
        report.notes.append(f"{tfvars.display} sets no gpu_limit yet: GPU limit of {env} not compared")
        return
    try:
        found = int(str(limits[GPU_RESOURCE]))
    except ValueError:
        found = None
    if found != int(wanted):
        report.add(
            doc,
            ["spec", "limits", GPU_RESOURCE],
            f"{limits[GPU_RESOURCE]!r} differs from gpu_limit {wanted} in {tfvars.display} "
            "(the budget covers that many GPUs); change one so they agree",
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
            f"{doc.data['region']!r} is not region {tfvars.values.get('region')!r} "
            f"in {tfvars.display}",
        )


MOUNTPOINT_DRIVER = "s3.csi.aws.com"


def check_mountpoint_volume(doc: Document, env: str, tfvars: TerraformVariables, report: Report) -> None:
    """A Mountpoint for Amazon S3 volume names the environment's own artifact bucket
    (Terraform's `<project>-platform-artifacts-<env>-<account_id>`, the only bucket the
    workload roles reach) and signs with the pod's own role (`authenticationSource: pod`):
    the driver-wide default would give every pod on the node one role's access."""
    csi = ((doc.data.get("spec") or {}).get("csi") or {}) if isinstance(doc.data, dict) else {}
    if csi.get("driver") != MOUNTPOINT_DRIVER:
        return
    attributes = csi.get("volumeAttributes") or {}
    path = ["spec", "csi", "volumeAttributes"]
    if attributes.get("authenticationSource") != "pod":
        report.add(
            doc,
            path + (["authenticationSource"] if "authenticationSource" in attributes else []),
            "a Mountpoint volume needs authenticationSource: pod, so it uses the pod's own "
            "Pod Identity role (prefix-scoped) rather than the driver's",
        )
    if tfvars.values is None or "account_id" not in tfvars.values:
        return
    if PLACEHOLDER in str(attributes.get("bucketName")):
        return  # check_placeholders says what to set
    project = tfvars.values.get("project", "mlops")
    wanted = f"{project}-platform-artifacts-{env}-{tfvars.values['account_id']}"
    if attributes.get("bucketName") != wanted:
        report.add(
            doc,
            path + ["bucketName"],
            f"{attributes.get('bucketName')!r} is not this environment's artifact bucket "
            f"{wanted!r} (project, env and account_id in {tfvars.display}); the workload "
            "roles reach no other bucket",
        )
