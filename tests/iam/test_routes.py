"""The indirect routes from dev to prod (routes.py), on the export of moto after
applying infra/bootstrap and infra/environments/dev (scripts/iam-test).

Every route must be closed for dev's apply role, a role it creates under its
boundary and dev's plan role. The other tests check one layer at a time (a
resource policy alone, for a principal whose own policies allow everything),
so that each route stays closed if the other layer is lost, and that the
environment can still do its own work.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from authz import ADMIN, Account, allowed
from principalmapper.querying.local_policy_simulation import ResourcePolicyEvalResult, resource_policy_authorization
from routes import OTHER, OWN, PROJECT, REGION, attackers, open_routes, resource_policies, routes


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests through scripts/iam-test")
    return value


@pytest.fixture(scope="module")
def account() -> Account:
    return Account.load(_env("IAM_EXPORT"))


@pytest.fixture(scope="module")
def policies(account: Account) -> dict:
    exported = json.loads(Path(_env("IAM_RESOURCE_POLICIES")).read_text())
    bucket_policy = json.loads(Path(_env("IAM_STATE_BUCKET_POLICY")).read_text())
    return resource_policies(account, exported, bucket_policy)


@pytest.fixture(scope="module")
def bucket() -> str:
    return _env("IAM_STATE_BUCKET")


def test_every_route_from_dev_to_prod_is_closed(account: Account, policies: dict, bucket: str) -> None:
    found = open_routes(account, policies, bucket)
    assert found == [], f"{len(found)} open routes:\n  " + "\n  ".join(found)


def test_the_routes_cover_every_attacker(bucket: str) -> None:
    """Not a vacuous pass: every attacker walks routes, every route has calls."""
    all_routes = routes("123456789012", bucket)
    assert len(all_routes) >= 40
    walked = {a for r in all_routes for a in r.attackers}
    assert walked == {"apply", "bounded", "plan", "apply+bounded"}
    assert all(r.calls for r in all_routes)


def test_every_resource_policy_the_routes_pass_was_rendered(policies: dict) -> None:
    missing = [name for name, doc in policies.items() if not doc]
    assert missing == [], f"not exported from moto: {missing}"


def _admin(account: Account, name: str):
    return account.synthetic_node(name, [ADMIN], None)


def test_interruption_queue_accepts_only_its_own_rules(account: Account, policies: dict) -> None:
    """The queue policy alone: EventBridge may deliver for prod's five rules,
    not for a rule under dev's names or under prod's own names that the module
    did not create; no IAM principal may send at all."""
    acct = account.account_id
    queue_policy = policies["prod_interruption_queue"]
    queue = f"arn:aws:sqs:{REGION}:{acct}:{PROJECT}-{OTHER}-karpenter-interruption"

    def accepts(rule: str) -> bool:
        ctx = {"aws:SourceArn": f"arn:aws:events:{REGION}:{acct}:rule/{rule}", "aws:SourceAccount": acct}
        return resource_policy_authorization("events.amazonaws.com", acct, queue_policy, "sqs:SendMessage", queue, ctx) == ResourcePolicyEvalResult.SERVICE_MATCH

    for event in ("spot-interruption", "rebalance", "instance-state-change", "scheduled-change", "capacity-reservation-interruption"):
        assert accepts(f"{PROJECT}-{OTHER}-karpenter-{event}"), event
    for forged in (f"{PROJECT}-{OWN}-karpenter-spot-interruption", f"{PROJECT}-{OTHER}-karpenter-forged", f"{PROJECT}-{OWN}-forged"):
        assert not accepts(forged), forged
    assert not allowed(_admin(account, "platform-operator"), "sqs:SendMessage", queue, resource_policy=queue_policy, owner=acct)


def test_apply_role_still_targets_its_own_queue(account: Account) -> None:
    acct = account.account_id
    node = attackers(account)["apply"]
    rule = f"arn:aws:events:{REGION}:{acct}:rule/{PROJECT}-{OWN}-karpenter-rebalance"
    assert allowed(node, "events:PutTargets", rule, {"events:TargetArn": f"arn:aws:sqs:{REGION}:{acct}:{PROJECT}-{OWN}-karpenter-interruption"})


def test_artifact_bucket_refuses_access_points(account: Account, policies: dict) -> None:
    acct = account.account_id
    bucket_policy = policies["prod_artifacts"]
    obj = f"arn:aws:s3:::{PROJECT}-platform-artifacts-{OTHER}-{acct}/model.bin"
    ap = {"s3:DataAccessPointArn": f"arn:aws:s3:{REGION}:{acct}:accesspoint/x", "s3:DataAccessPointAccount": acct}
    admin = _admin(account, f"{PROJECT}-gha-apply-{OTHER}")
    for action in ("s3:GetObject", "s3:PutObject", "s3:DeleteObjectVersion"):
        assert not allowed(admin, action, obj, ap, resource_policy=bucket_policy, owner=acct), action
    assert allowed(admin, "s3:GetObject", obj, resource_policy=bucket_policy, owner=acct)


def test_state_bucket_settings_change_only_by_break_glass(account: Account, policies: dict, bucket: str) -> None:
    """The bucket policies alone, for principals whose own policies allow s3:*."""
    acct = account.account_id
    state, logs = f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}-access-logs"
    # The break-glass principals: the only writers of the bootstrap's state prefix.
    bootstrap_writers = next(s for s in policies["state_bucket"]["Statement"] if s.get("Sid") == "OnlyOwnerWritesBootstrapState")
    break_glass_arn = bootstrap_writers["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    break_glass_arn = break_glass_arn if isinstance(break_glass_arn, str) else break_glass_arn[0]
    someone = _admin(account, f"{PROJECT}-gha-apply-{OWN}")
    admin = account.synthetic_node("x", [ADMIN], None)
    admin.arn = break_glass_arn
    for action in ("s3:PutBucketNotification", "s3:PutInventoryConfiguration", "s3:PutBucketRequestPayment", "s3:PutBucketPolicy", "s3:PutBucketLogging"):
        assert not allowed(someone, action, state, resource_policy=policies["state_bucket"], owner=acct), action
        assert allowed(admin, action, state, resource_policy=policies["state_bucket"], owner=acct), action
    assert allowed(someone, "s3:ListBucket", state, resource_policy=policies["state_bucket"], owner=acct)
    log_object = f"{logs}/s3-access-logs/{bucket}/2026-01-01"
    for action, resource in (("s3:DeleteObject", log_object), ("s3:PutObject", log_object), ("s3:PutLifecycleConfiguration", logs), ("s3:PutBucketPolicy", logs)):
        assert not allowed(someone, action, resource, resource_policy=policies["state_access_logs"], owner=acct), action
        assert allowed(admin, action, resource, resource_policy=policies["state_access_logs"], owner=acct), action
    delivery = {"aws:SourceArn": state, "aws:SourceAccount": acct}
    assert resource_policy_authorization(
        "logging.s3.amazonaws.com", acct, policies["state_access_logs"], "s3:PutObject", log_object, delivery
    ) == ResourcePolicyEvalResult.SERVICE_MATCH


def test_nodes_cannot_be_managed_by_systems_manager(account: Account) -> None:
    """Without the SSM agent's permissions a node never registers, so no
    command, session or association reaches it."""
    nodes = [n for n in account.roles if n.startswith(f"{PROJECT}-{OWN}-") and n.endswith("-node")]
    assert len(nodes) >= 2, nodes
    for name in nodes:
        node = account.node(name)
        for action in ("ssm:UpdateInstanceInformation", "ssmmessages:CreateControlChannel", "ec2messages:GetMessages"):
            assert not allowed(node, action, "*"), (name, action)


def test_apply_role_still_manages_what_eks_creates_in_its_environment(account: Account) -> None:
    acct = account.account_id
    node = attackers(account)["apply"]
    own_cluster = f"{PROJECT}-{OWN}-cluster"
    asg = f"arn:aws:autoscaling:{REGION}:{acct}:autoScalingGroup:0:autoScalingGroupName/eks-system-{OWN}"
    tag = {"aws:ResourceTag/eks:cluster-name": own_cluster, "aws:RequestTag/Environment": OWN, "aws:TagKeys": ["Environment"]}
    assert allowed(node, "autoscaling:CreateOrUpdateTags", asg, tag)
    sg = f"arn:aws:ec2:{REGION}:{acct}:security-group/sg-0"
    assert allowed(node, "ec2:CreateTags", sg, {"aws:ResourceTag/aws:eks:cluster-name": own_cluster, "aws:RequestTag/Environment": OWN, "aws:TagKeys": ["Environment"]})


def test_only_the_owning_environment_activates_cost_allocation_tags(account: Account) -> None:
    assert allowed(account.node(f"{PROJECT}-gha-apply-prod"), "ce:UpdateCostAllocationTagsStatus", "*")
    assert not allowed(account.node(f"{PROJECT}-gha-apply-{OWN}"), "ce:UpdateCostAllocationTagsStatus", "*")


def test_plan_role_still_reads_what_a_plan_of_its_environment_reads(account: Account, bucket: str) -> None:
    acct = account.account_id
    node = attackers(account)["plan"]
    assert allowed(node, "s3:ListBucket", f"arn:aws:s3:::{PROJECT}-platform-artifacts-{OWN}-{acct}")
    assert allowed(node, "s3:GetBucketPolicy", f"arn:aws:s3:::{PROJECT}-platform-artifacts-{OWN}-{acct}")
    assert allowed(node, "s3:ListBucket", f"arn:aws:s3:::{bucket}")
    assert allowed(node, "eks:DescribeCluster", f"arn:aws:eks:{REGION}:{acct}:cluster/{PROJECT}-{OWN}-cluster")
    assert allowed(node, "ec2:DescribeVpcs", "*")
    assert not allowed(node, "s3:GetBucketPolicy", f"arn:aws:s3:::{PROJECT}-platform-artifacts-{OTHER}-{acct}")


def test_the_account_trail_is_owned_by_the_bootstrap() -> None:
    """Multi-region, validated, encrypted, in a bucket of its own (the routes
    check that no CI role or bounded role reaches it)."""
    tfstate = json.loads(Path(_env("IAM_TFSTATE")).read_text())
    trails = [i["attributes"] for r in tfstate["resources"] if r["type"] == "aws_cloudtrail" for i in r["instances"]]
    assert len(trails) == 1, f"expected one aws_cloudtrail in the bootstrap state, found {len(trails)}"
    trail = trails[0]
    assert trail["is_multi_region_trail"] and trail["enable_log_file_validation"] and trail["include_global_service_events"]
    assert trail["kms_key_id"].startswith("arn:aws:kms:"), trail["kms_key_id"]
    assert trail["s3_bucket_name"].endswith("-cloudtrail")


def _break_glass_arn(policies: dict) -> str:
    """The break-glass principal: the only writer of the bootstrap's state prefix."""
    writers = next(s for s in policies["state_bucket"]["Statement"] if s.get("Sid") == "OnlyOwnerWritesBootstrapState")
    arn = writers["Condition"]["ArnNotEquals"]["aws:PrincipalArn"]
    return arn if isinstance(arn, str) else arn[0]


def _inline_policies(account: Account, role: str) -> list[dict]:
    return [p["PolicyDocument"] if isinstance(p["PolicyDocument"], dict) else json.loads(p["PolicyDocument"]) for p in account.roles[role].get("RolePolicyList", [])]


def test_ci_roles_cannot_be_passed_to_any_service_whatever_else_is_allowed(account: Account) -> None:
    """The bootstrap's deny alone: a principal with dev's apply-role (or plan-role)
    inline policy and AdministratorAccess still cannot hand a CI role to a
    service, and neither can a role under dev's boundary. (The routes find
    PassRole closed for the real roles; this keeps it closed if an allow
    elsewhere is ever widened.)"""
    acct = account.account_id
    apply_denies = account.synthetic_node(f"{PROJECT}-{OWN}-x", [ADMIN, *_inline_policies(account, f"{PROJECT}-gha-apply-{OWN}")], None)
    plan_denies = account.synthetic_node(f"{PROJECT}-{OWN}-y", [ADMIN, *_inline_policies(account, f"{PROJECT}-gha-plan-{OWN}")], None)
    bounded = account.synthetic_node(f"{PROJECT}-{OWN}-z", [ADMIN], f"arn:aws:iam::{acct}:policy/{PROJECT}-boundary-{OWN}")
    ci_roles = [n for n in account.roles if n.startswith(f"{PROJECT}-gha-")]
    assert len(ci_roles) >= 6, ci_roles
    for who, node in (("apply", apply_denies), ("plan", plan_denies), ("bounded", bounded)):
        for role in ci_roles:
            for service in ("ec2.amazonaws.com", "pods.eks.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com"):
                assert not allowed(node, "iam:PassRole", f"arn:aws:iam::{acct}:role/{role}", {"iam:PassedToService": service}), (who, role, service)
    # Not a deny of everything: the environment's own node role still goes to EC2.
    assert allowed(apply_denies, "iam:PassRole", f"arn:aws:iam::{acct}:role/{PROJECT}-{OWN}-cluster-node", {"iam:PassedToService": "ec2.amazonaws.com"})


def _as_after_deletion(doc: dict, deleted_arn: str, unique_id: str) -> dict:
    """A key policy as KMS shows it once `deleted_arn` is deleted: a principal that
    named it now names its old unique ID (conditions keep the ARN text)."""
    doc = json.loads(json.dumps(doc))
    for st in doc["Statement"]:
        principal = st.get("Principal")
        if isinstance(principal, dict) and "AWS" in principal:
            values = principal["AWS"] if isinstance(principal["AWS"], list) else [principal["AWS"]]
            principal["AWS"] = [unique_id if v == deleted_arn else v for v in values]
    return doc


def test_every_bootstrap_key_survives_the_break_glass_principal_being_recreated(account: Account, policies: dict) -> None:
    """Every key the bootstrap creates (read from its state, so a new key is
    covered without editing this test): after the break-glass principal is
    deleted and re-created under the same ARN (new unique ID), it can still
    change the key's policy and cancel its deletion; another administrator of
    the account cannot."""
    acct = account.account_id
    keys = json.loads(Path(_env("IAM_RESOURCE_POLICIES")).read_text())["bootstrap_keys"]
    assert {"aws_kms_key.state", "aws_kms_key.trail"} <= set(keys), sorted(keys)
    break_glass = _break_glass_arn(policies)
    recreated = account.synthetic_node("recreated-break-glass", [ADMIN], None)
    recreated.arn, recreated.id_value = break_glass, "AIDARECREATEDBREAKGLASS"
    other_admin = account.synthetic_node("platform-operator", [ADMIN], None)
    for address, text in keys.items():
        doc = _as_after_deletion(json.loads(text) if isinstance(text, str) else text, break_glass, "AIDAOLDBREAKGLASS000")
        key = f"arn:aws:kms:{REGION}:{acct}:key/{address}"
        for action in ("kms:PutKeyPolicy", "kms:CancelKeyDeletion", "kms:EnableKey"):
            result = resource_policy_authorization(recreated, acct, doc, action, key, {"aws:PrincipalArn": break_glass})
            assert result in (ResourcePolicyEvalResult.NODE_MATCH, ResourcePolicyEvalResult.ROOT_MATCH), (address, action, result)
            other = resource_policy_authorization(other_admin, acct, doc, action, key, {"aws:PrincipalArn": other_admin.arn})
            assert other in (ResourcePolicyEvalResult.NO_MATCH, ResourcePolicyEvalResult.DENY_MATCH), (address, action, other)


def test_state_key_survives_the_break_glass_role_being_recreated() -> None:
    """A key policy stores a named role as its unique ID: if the break-glass
    role is deleted, a statement naming it matches no one again, and nobody
    can change the key. Administrators are named through the account and
    narrowed by aws:PrincipalArn, which a re-created role matches."""
    policies = json.loads(Path(_env("IAM_RESOURCE_POLICIES")).read_text())
    for name in ("state_key", "trail_key"):
        doc = policies[name]
        assert doc, f"{name} was not exported"
        for st in doc["Statement"]:
            if st["Effect"] != "Allow" or "Service" in st.get("Principal", {}):
                continue
            principals = st["Principal"]["AWS"]
            principals = [principals] if isinstance(principals, str) else principals
            named = [p for p in principals if ":role/" in p or ":user/" in p]
            if st.get("Sid") in ("KeyAdministrators", "AdministratorsDecryptLogs"):
                assert named == [], f"{name}: {st['Sid']} names {named} (unmanageable once they are deleted)"
                assert "aws:PrincipalArn" in json.dumps(st.get("Condition", {})), st


def test_apply_role_still_manages_its_own_database_dns_and_network(account: Account) -> None:
    """The RDS, DNS, pod-interface, discovery-tag and route-table routes are
    closed by what they reach, not by closing the service: dev's own database,
    a public zone, its pods' interfaces, its subnets' discovery tags and its
    own route tables stay manageable."""
    acct = account.account_id
    node = attackers(account)["apply"]
    db = f"arn:aws:rds:{REGION}:{acct}:db:{PROJECT}-{OWN}-mlflow"
    assert allowed(node, "rds:CreateDBInstance", db, {"aws:RequestTag/Environment": OWN})
    assert allowed(node, "rds:ModifyDBInstance", db, {"aws:ResourceTag/Environment": OWN})
    assert allowed(node, "secretsmanager:DescribeSecret", f"arn:aws:secretsmanager:{REGION}:{acct}:secret:rds!db-0123-AbCdEf", {"aws:ResourceTag/Environment": OWN})
    assert allowed(node, "route53:CreateHostedZone", "arn:aws:route53:::hostedzone/*")
    eni = f"arn:aws:ec2:{REGION}:{acct}:network-interface/eni-0123456789abcdef0"
    assert allowed(node, "ec2:UnassignPrivateIpAddresses", eni, {"aws:ResourceTag/cluster.k8s.amazonaws.com/name": f"{PROJECT}-{OWN}-cluster"})
    rtb = f"arn:aws:ec2:{REGION}:{acct}:route-table/rtb-0123456789abcdef0"
    assert allowed(node, "ec2:CreateTags", rtb, {"aws:RequestTag/Environment": OWN, "ec2:CreateAction": "CreateRouteTable", "aws:TagKeys": ["Environment"]})
    assert allowed(node, "ec2:CreateRoute", rtb, {"aws:ResourceTag/Environment": OWN})
    alarm = f"arn:aws:cloudwatch:{REGION}:{acct}:alarm:{PROJECT}-{OWN}-cpu"
    assert allowed(node, "cloudwatch:PutMetricAlarm", alarm, {"cloudwatch:AlarmActions": [f"arn:aws:sns:{REGION}:{acct}:{PROJECT}-{OWN}-alerts"]})
    subnet = f"arn:aws:ec2:{REGION}:{acct}:subnet/subnet-0123456789abcdef0"
    assert allowed(node, "ec2:CreateTags", subnet, {"aws:ResourceTag/Environment": OWN, "aws:RequestTag/karpenter.sh/discovery": f"{PROJECT}-{OWN}-cluster", "aws:TagKeys": ["karpenter.sh/discovery"]})
