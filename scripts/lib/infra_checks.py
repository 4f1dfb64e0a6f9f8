"""What scripts/infra-test checks in Terraform's plans and in moto after an apply.

Each check is a pure function of data (a `terraform show -json` plan, `terraform output
-json`, or what moto answered) that returns a one-line summary or raises CheckFailed with
what is wrong; the few functions that ask moto (through boto3) only gather that data.
Tested by tests/scripts/test_infra_checks.py; run from the shell as

    python3 scripts/lib/infra_checks.py upgrade BASELINE.json UPGRADE.json
    python3 scripts/lib/infra_checks.py all-features PLAN.json
    $MOTO_PYTHON scripts/lib/infra_checks.py karpenter-in-moto OUTPUTS.json ENV
    $MOTO_PYTHON scripts/lib/infra_checks.py moto-clean STATE_BUCKET LOG_BUCKET
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

# The add-ons every environment installs (infra/modules/eks).
ADDONS = sorted(
    [
        "vpc-cni",
        "kube-proxy",
        "coredns",
        "eks-pod-identity-agent",
        "metrics-server",
        "kube-state-metrics",
        "prometheus-node-exporter",
        "aws-mountpoint-s3-csi-driver",
    ]
)
# Service accounts with a Pod Identity association: the two controllers and the workloads
# (infra/modules/ml-access: training, model-serving; infra/modules/mlflow: mlflow).
POD_IDENTITY_SERVICE_ACCOUNTS = sorted(
    ["aws-load-balancer-controller", "karpenter", "model-serving", "training", "mlflow"]
)
# Resource types that moto.tfvars switches off, so only the all-features plan shows them.
FEATURE_TYPES = [
    "aws_prometheus_workspace",
    "aws_prometheus_rule_group_namespace",
    "aws_prometheus_scraper",
    "aws_grafana_workspace",
    "aws_budgets_budget",
    "aws_ce_anomaly_monitor",
    "aws_ce_anomaly_subscription",
    "aws_ce_cost_allocation_tag",
    "aws_vpc_endpoint",
]
KARPENTER = "module.platform.module.karpenter[0]."
INTERRUPTION_RULES = 5  # spot interruption, rebalance, state change, two health events


class CheckFailed(Exception):
    pass


def require(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


def _changes(plan: dict) -> list[dict]:
    return plan.get("resource_changes") or []


def _deleted(changes: list[dict]) -> set[str]:
    return {c["address"] for c in changes if "delete" in c["change"]["actions"]}


INTENDED_REMOVAL = 'aws_iam_role_policy_attachment.node["AmazonSSMManagedInstanceCore"]'


def upgrade(baseline: dict, upgraded: dict) -> str:
    """The old per-environment root, applied, then planned with the module composition:
    nothing may be destroyed or replaced beyond what moto's drift already replaces in the
    baseline plan, and moved blocks must be in effect."""
    drift = {"module.platform." + a for a in _deleted(_changes(baseline))}
    changes = _changes(upgraded)
    # Deliberate removals since that layout: Systems Manager's policy on the node roles (it
    # let Systems Manager run commands on the nodes).
    intended = {a for a in _deleted(changes) if a.endswith(INTENDED_REMOVAL)}
    lost = sorted(_deleted(changes) - drift - intended)
    require(not lost, f"destroyed or replaced by the upgrade: {lost}")
    moved = [c for c in changes if c.get("previous_address")]
    require(bool(moved), "no resource was moved: moved.tf is not in effect")
    created = [c["address"] for c in changes if c["change"]["actions"] == ["create"]]
    return (
        f"{len(moved)} resources moved into module.platform; destroyed or replaced beyond "
        f"moto's own drift ({len(drift)}: {sorted(drift)}): none; created: {created or 'none'}"
    )


def all_features(plan: dict, env: str) -> str:
    """A fresh environment planned with every switch moto.tfvars turns off turned on."""
    changes = _changes(plan)
    types = [c["type"] for c in changes]
    # Values known only after apply (role ARNs...) are absent from "after".
    after = {c["address"]: c["change"]["after"] or {} for c in changes}

    def of_type(kind: str) -> list[dict]:
        return [c["change"]["after"] or {} for c in changes if c["type"] == kind]

    addons = sorted(a.get("addon_name", "?") for a in of_type("aws_eks_addon"))
    require(addons == ADDONS, f"add-ons {addons}, expected {ADDONS}")
    for kind in ("aws_eks_access_entry", "aws_eks_access_policy_association"):
        require(kind in types, f"no {kind} in the plan")
    pod_identity = sorted(a.get("service_account", "?") for a in of_type("aws_eks_pod_identity_association"))
    require(
        pod_identity == POD_IDENTITY_SERVICE_ACCOUNTS,
        f"Pod Identity associations for {pod_identity}, expected {POD_IDENTITY_SERVICE_ACCOUNTS}",
    )
    node_entries = [a for k, a in after.items() if k.startswith(KARPENTER + "aws_eks_access_entry.")]
    require(
        [a.get("type") for a in node_entries] == ["EC2_LINUX"],
        f"Karpenter's node access entries {node_entries}, expected one of type EC2_LINUX",
    )
    sg_tags = {t.get("key"): t.get("value") for t in of_type("aws_ec2_tag")}
    require(
        len(sg_tags) == 2
        and str(sg_tags.get("karpenter.sh/discovery", "")).endswith("-cluster")
        and sg_tags.get("Environment") == env,
        f"security group tags {sg_tags}, expected karpenter.sh/discovery = <cluster> and Environment = {env}",
    )
    # The node groups' Auto Scaling groups carry the Environment tag the isolation denies key on.
    asg_tags = of_type("aws_autoscaling_group_tag")
    require(
        bool(asg_tags)
        and all(
            (t.get("tag") or [{}])[0].get("key") == "Environment" and (t.get("tag") or [{}])[0].get("value") == env
            for t in asg_tags
        ),
        f"Auto Scaling group tags {asg_tags}, expected Environment = {env} on each",
    )
    rules = [k for k in after if k.startswith(KARPENTER + "aws_cloudwatch_event_rule.")]
    require(len(rules) == INTERRUPTION_RULES, f"interruption rules {rules}, expected {INTERRUPTION_RULES}")
    missing = [t for t in FEATURE_TYPES if t not in types]
    require(not missing, f"missing from the all-features plan: {missing}")
    require(
        any(c["address"].endswith("aws_eks_access_entry.scraper[0]") for c in changes),
        "no access entry for the AMP scraper",
    )
    return (
        f"all-features plan: {len(types)} resources, add-ons {', '.join(addons)}, access "
        f"entries present,\n    Pod Identity for {', '.join(pod_identity)}, Karpenter node "
        f"access entry, SG discovery tag, {len(rules)} interruption rules,\n    observability "
        f"and cost: {', '.join(FEATURE_TYPES)}"
    )


def karpenter_in_moto(outputs: dict, env: str, observed: dict) -> str:
    """What moto holds of Karpenter and the Load Balancer Controller after an apply.
    `observed`: queue_attributes (of the interruption queue), rule_targets (ARNs the
    environment's Karpenter rules send to), boundaries (role name -> boundary ARN)."""
    values = {k: v["value"] for k, v in outputs.items()}
    attrs = observed["queue_attributes"]
    require(attrs.get("SqsManagedSseEnabled") == "true", f"the interruption queue is not encrypted: {attrs}")
    targets = observed["rule_targets"]
    require(
        len(targets) == INTERRUPTION_RULES and set(targets) == {attrs.get("QueueArn")},
        f"rule targets {targets}, expected {INTERRUPTION_RULES} pointing at the queue",
    )
    for role, boundary in observed["boundaries"].items():
        require(
            str(boundary).endswith(f"policy/mlops-boundary-{env}"),
            f"role {role} has boundary {boundary}, expected mlops-boundary-{env}",
        )
    capacity = sorted(values["karpenter_capacity_types"])
    want = ["on-demand"] if env == "prod" else ["on-demand", "spot"]
    require(capacity == want, f"karpenter_capacity_types {capacity}, expected {want}")
    return (
        f"karpenter: queue {values['karpenter']['queue_name']} (SSE) <- {len(targets)} rules; "
        f"roles with the boundary; capacity {values['karpenter_capacity_types']}"
    )


def moto_clean(inventory: dict[str, list], state_objects: dict[str, dict], retained: set[str]) -> str:
    """After every destroy: the state objects are SSE-KMS encrypted and nothing of the
    stacks is left but the retained buckets. `inventory` maps a kind to what moto lists."""
    for key, head in state_objects.items():
        require(head.get("ServerSideEncryption") == "aws:kms", f"state object {key} is not SSE-KMS encrypted")
    left = {kind: [x for x in found if x not in retained] for kind, found in inventory.items()}
    left = {kind: found for kind, found in left.items() if found}
    require(not left, f"left in moto after destroy: {left}")
    if not retained and not state_objects:
        return (
            "moto is empty: no clusters, VPCs, NAT gateways, buckets, mlops-* roles, OIDC "
            "providers, queues, rules"
        )
    return (
        f"{len(state_objects)} state objects SSE-KMS; moto is clean: no clusters, VPCs, NAT "
        f"gateways, mlops-* roles, OIDC providers, queues, rules;\n    only the retained "
        f"{', '.join(sorted(retained))} and the state KMS key remain"
    )


def observe_karpenter(outputs: dict, env: str) -> dict:  # pragma: no cover - asks moto
    import boto3

    values = {k: v["value"] for k, v in outputs.items()}
    karpenter, lb = values["karpenter"], values["lb_controller"]
    sqs, iam, events = boto3.client("sqs"), boto3.client("iam"), boto3.client("events")
    url = sqs.get_queue_url(QueueName=karpenter["queue_name"])["QueueUrl"]
    rules = events.list_rules(NamePrefix=f"mlops-{env}-karpenter-")["Rules"]
    roles = [karpenter["controller_role_arn"], karpenter["node_role_arn"], lb["role_arn"]]
    return {
        "queue_attributes": sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"],
        "rule_targets": [
            t["Arn"] for r in rules for t in events.list_targets_by_rule(Rule=r["Name"])["Targets"]
        ],
        "boundaries": {
            name: (iam.get_role(RoleName=name)["Role"].get("PermissionsBoundary") or {}).get(
                "PermissionsBoundaryArn"
            )
            for name in (arn.split("/")[-1] for arn in roles)
        },
    }


def observe_moto(state_bucket: str | None) -> tuple[dict, dict]:  # pragma: no cover - asks moto
    import boto3

    s3, eks, ec2, iam = (boto3.client(s) for s in ("s3", "eks", "ec2", "iam"))
    sqs, events = boto3.client("sqs"), boto3.client("events")
    objects = (
        {
            o["Key"]: s3.head_object(Bucket=state_bucket, Key=o["Key"])
            for o in s3.list_objects_v2(Bucket=state_bucket).get("Contents", [])
        }
        if state_bucket
        else {}
    )
    inventory = {
        "eks clusters": eks.list_clusters()["clusters"],
        "vpcs": [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v.get("IsDefault")],
        "nat gateways": [
            n["NatGatewayId"]
            for n in ec2.describe_nat_gateways()["NatGateways"]
            if n["State"] not in ("deleted", "deleting")
        ],
        "buckets": [b["Name"] for b in s3.list_buckets()["Buckets"]],
        "roles": [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("mlops-")],
        "oidc providers": [
            p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
        ],
        "sqs queues": [q for q in sqs.list_queues().get("QueueUrls", []) if "/mlops-" in q],
        "event rules": [r["Name"] for r in events.list_rules()["Rules"] if r["Name"].startswith("mlops-")],
    }
    return inventory, objects


def _load(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


COMMANDS: dict[str, tuple[int, Callable[..., str]]] = {
    "upgrade": (2, lambda a, b: upgrade(_load(a), _load(b))),
    "all-features": (2, lambda a, env: all_features(_load(a), env)),
    "karpenter-in-moto": (
        2,
        lambda path, env: karpenter_in_moto(_load(path), env, observe_karpenter(_load(path), env)),
    ),
    "moto-clean": (
        2,
        lambda state, logs: moto_clean(*observe_moto(state), retained={state, logs}),
    ),
    # An environment's own moto after its destroy: nothing at all is left.
    "moto-empty": (0, lambda: moto_clean(*observe_moto(None), retained=set())),
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS or len(argv) - 1 != COMMANDS[argv[0]][0]:
        print(f"usage: infra_checks.py {{{','.join(COMMANDS)}}} ARGS (see the module's docstring)", file=sys.stderr)
        return 2
    try:
        print("    " + COMMANDS[argv[0]][1](*argv[1:]))
    except CheckFailed as failure:
        print(f"infra_checks {argv[0]}: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
