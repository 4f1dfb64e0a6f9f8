"""scripts/lib/infra_checks.py: the checks scripts/infra-test makes of Terraform's plans
and of moto. Each test builds the data in the shape Terraform or moto gives it and breaks
one thing; the real plans and moto run in scripts/infra-test itself."""

from __future__ import annotations

import copy

import pytest

import infra_checks
from infra_checks import CheckFailed


def change(address: str, kind: str, actions: list[str], after: dict | None = None, **extra) -> dict:
    return {"address": address, "type": kind, "change": {"actions": actions, "after": after}, **extra}


def full_plan() -> dict:
    k = "module.platform.module.karpenter[0]."
    changes = [change(f"module.platform.aws_eks_addon.{a}", "aws_eks_addon", ["create"], {"addon_name": a}) for a in infra_checks.ADDONS]
    changes += [
        change("module.platform.aws_eks_access_entry.admin", "aws_eks_access_entry", ["create"], {"type": "STANDARD"}),
        change("module.platform.aws_eks_access_policy_association.admin", "aws_eks_access_policy_association", ["create"], {}),
        change("module.platform.aws_eks_access_entry.scraper[0]", "aws_eks_access_entry", ["create"], {"type": "STANDARD"}),
        change(k + "aws_eks_access_entry.node", "aws_eks_access_entry", ["create"], {"type": "EC2_LINUX"}),
        change(k + "aws_eks_pod_identity_association.this", "aws_eks_pod_identity_association", ["create"], {"service_account": "karpenter"}),
        change("module.platform.module.lb_controller[0].aws_eks_pod_identity_association.this", "aws_eks_pod_identity_association", ["create"], {"service_account": "aws-load-balancer-controller"}),
    ]
    changes += [
        change(f"module.platform.module.workload.aws_eks_pod_identity_association.{sa}", "aws_eks_pod_identity_association", ["create"], {"service_account": sa})
        for sa in infra_checks.POD_IDENTITY_SERVICE_ACCOUNTS
        if sa not in ("karpenter", "aws-load-balancer-controller")
    ]
    changes += [
        change("module.platform.aws_ec2_tag.cluster_sg", "aws_ec2_tag", ["create"], {"key": "karpenter.sh/discovery", "value": "mlops-dev-cluster"}),
        change("module.platform.aws_ec2_tag.cluster_sg_env", "aws_ec2_tag", ["create"], {"key": "Environment", "value": "dev"}),
        change("module.platform.aws_autoscaling_group_tag.system", "aws_autoscaling_group_tag", ["create"], {"tag": [{"key": "Environment", "value": "dev"}]}),
    ]
    changes += [change(k + f"aws_cloudwatch_event_rule.r{i}", "aws_cloudwatch_event_rule", ["create"], {}) for i in range(5)]
    changes += [change(f"module.platform.{t}.this", t, ["create"], {}) for t in infra_checks.FEATURE_TYPES]
    return {"resource_changes": changes}


def test_the_all_features_plan_passes_when_everything_is_there() -> None:
    summary = infra_checks.all_features(full_plan(), "dev")
    assert "Pod Identity for aws-load-balancer-controller, karpenter, mlflow, model-serving, training" in summary
    assert "5 interruption rules" in summary


@pytest.mark.parametrize(
    ("drop", "message"),
    [
        ("aws_eks_addon.coredns", "add-ons"),
        ("aws_eks_addon.aws-mountpoint-s3-csi-driver", "add-ons"),
        ("pod_identity_association.training", "Pod Identity associations"),
        ("pod_identity_association.mlflow", "Pod Identity associations"),
        ("aws_grafana_workspace", "missing from the all-features plan: ['aws_grafana_workspace']"),
        ("pod_identity_association.this", "Pod Identity associations"),
        ("aws_cloudwatch_event_rule.r4", "interruption rules"),
        ("scraper[0]", "no access entry for the AMP scraper"),
        ("aws_ec2_tag", "security group tags"),
        ("cluster_sg_env", "security group tags"),
        ("aws_autoscaling_group_tag", "Auto Scaling group tags"),
    ],
)
def test_the_all_features_plan_names_what_it_misses(drop: str, message: str) -> None:
    plan = full_plan()
    plan["resource_changes"] = [c for c in plan["resource_changes"] if drop not in c["address"]]
    with pytest.raises(CheckFailed, match=message.replace("[", r"\[").replace("]", r"\]")):
        infra_checks.all_features(plan, "dev")


def test_an_upgrade_may_only_replace_what_moto_drift_replaces() -> None:
    baseline = {"resource_changes": [change("aws_eks_cluster.this", "aws_eks_cluster", ["delete", "create"])]}
    upgraded = {
        "resource_changes": [
            change("module.platform.aws_eks_cluster.this", "aws_eks_cluster", ["delete", "create"], previous_address="aws_eks_cluster.this"),
            change("module.platform.aws_vpc.this", "aws_vpc", ["no-op"], previous_address="aws_vpc.this"),
        ]
    }
    assert "2 resources moved into module.platform" in infra_checks.upgrade(baseline, upgraded)
    lost = copy.deepcopy(upgraded)
    lost["resource_changes"][1]["change"]["actions"] = ["delete"]
    with pytest.raises(CheckFailed, match=r"destroyed or replaced by the upgrade: \['module.platform.aws_vpc.this'\]"):
        infra_checks.upgrade(baseline, lost)
    # Systems Manager's policy on the node roles goes on purpose.
    ssm = copy.deepcopy(upgraded)
    ssm["resource_changes"].append(
        change('module.platform.module.eks.aws_iam_role_policy_attachment.node["AmazonSSMManagedInstanceCore"]', "aws_iam_role_policy_attachment", ["delete"])
    )
    infra_checks.upgrade(baseline, ssm)
    unmoved = {"resource_changes": [change("module.platform.aws_vpc.this", "aws_vpc", ["no-op"])]}
    with pytest.raises(CheckFailed, match="moved.tf is not in effect"):
        infra_checks.upgrade(baseline, unmoved)


def karpenter_outputs(capacity: list[str]) -> dict:
    return {
        "karpenter": {"value": {"queue_name": "mlops-dev-karpenter-interruption"}},
        "karpenter_capacity_types": {"value": capacity},
    }


def test_karpenter_in_moto() -> None:
    queue = "arn:aws:sqs:us-east-1:123456789012:mlops-dev-karpenter-interruption"
    observed = {
        "queue_attributes": {"SqsManagedSseEnabled": "true", "QueueArn": queue},
        "rule_targets": [queue] * 5,
        "boundaries": {"mlops-dev-karpenter": "arn:aws:iam::123456789012:policy/mlops-boundary-dev"},
    }
    outputs = karpenter_outputs(["spot", "on-demand"])
    assert "queue mlops-dev-karpenter-interruption (SSE) <- 5 rules" in infra_checks.karpenter_in_moto(outputs, "dev", observed)
    with pytest.raises(CheckFailed, match="expected \\['on-demand'\\]"):
        infra_checks.karpenter_in_moto(outputs, "prod", {**observed, "boundaries": {}})
    unbounded = {**observed, "boundaries": {"mlops-dev-karpenter": None}}
    with pytest.raises(CheckFailed, match="role mlops-dev-karpenter has boundary None"):
        infra_checks.karpenter_in_moto(outputs, "dev", unbounded)
    plain = {**observed, "queue_attributes": {"QueueArn": queue}}
    with pytest.raises(CheckFailed, match="not encrypted"):
        infra_checks.karpenter_in_moto(outputs, "dev", plain)


def test_moto_clean_allows_only_the_retained_buckets() -> None:
    retained = {"state", "state-access-logs"}
    objects = {"dev/terraform.tfstate": {"ServerSideEncryption": "aws:kms"}}
    inventory = {"buckets": ["state", "state-access-logs"], "vpcs": []}
    assert "moto is clean" in infra_checks.moto_clean(inventory, objects, retained)
    with pytest.raises(CheckFailed, match=r"left in moto after destroy: \{'vpcs': \['vpc-1'\]\}"):
        infra_checks.moto_clean({**inventory, "vpcs": ["vpc-1"]}, objects, retained)
    with pytest.raises(CheckFailed, match="not SSE-KMS encrypted"):
        infra_checks.moto_clean(inventory, {"k": {"ServerSideEncryption": "AES256"}}, retained)


def test_an_environments_own_moto_must_be_empty_after_its_destroy() -> None:
    empty = {"buckets": [], "vpcs": [], "roles": []}
    assert "moto is empty" in infra_checks.moto_clean(empty, {}, set())
    # Nothing is retained in an environment's own moto: even a bucket left behind fails.
    with pytest.raises(CheckFailed, match=r"\{'buckets': \['mlops-dev-artifacts'\]\}"):
        infra_checks.moto_clean({**empty, "buckets": ["mlops-dev-artifacts"]}, {}, set())


def test_the_command_line_exits_1_with_the_reason(tmp_path, capsys) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text('{"resource_changes": []}')
    assert infra_checks.main(["all-features", str(plan), "dev"]) == 1
    assert "infra_checks all-features: add-ons [], expected [" in capsys.readouterr().err
    assert infra_checks.main(["nonsense"]) == 2
