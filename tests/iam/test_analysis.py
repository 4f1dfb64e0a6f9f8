"""Policy-level IAM analysis of the exported account (scripts/iam-test).

The export is what moto holds after applying infra/bootstrap and
infra/environments/dev. principalmapper's evaluator (conditions, explicit
denies, permissions boundaries, resource policies) answers every probe; moto
itself does not evaluate conditions or boundaries (test_enforcement.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from authz import ADMIN, Account, allowed, escalation_findings, graph_findings

HERE = Path(__file__).parent
PROJECT = "mlops"


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests through scripts/iam-test")
    return value


@pytest.fixture(scope="module")
def account() -> Account:
    return Account.load(_env("IAM_EXPORT"))


@pytest.fixture(scope="module")
def bucket_policy() -> dict:
    return json.loads(Path(_env("IAM_STATE_BUCKET_POLICY")).read_text())


def test_no_ci_role_can_escalate_or_leave_its_environment(account: Account) -> None:
    findings = escalation_findings(account, PROJECT)
    assert findings == [], "escalation paths:\n  " + "\n  ".join(findings)


def test_the_policies_before_issue_12_are_flagged() -> None:
    """The broken copy: the export of the bootstrap as it was before the isolation rework,
    recorded from moto by `scripts/iam-test --keep-export` on that tree. The same
    analysis must find the escalation the issue describes."""
    legacy = Account.load(str(HERE / "fixtures" / "legacy-authorization-details.json"))
    findings = escalation_findings(legacy, PROJECT)
    text = "\n".join(findings)
    # apply-dev creates a role with no boundary and assumes it: account admin.
    assert "mlops-gha-apply-dev: iam:CreateRole mlops-dev-escalate with no boundary and can assume it" in findings, text
    assert "mlops-gha-apply-dev: sts:AssumeRole mlops-dev-escalate (a role it could create or edit)" in findings, text
    # Nothing but state was scoped: prod's cluster and KMS key were in reach.
    assert "mlops-gha-apply-dev: eks:CreateAccessEntry on prod's cluster/mlops-prod-cluster" in findings, text
    assert any(f.startswith("mlops-gha-apply-dev: kms:ScheduleKeyDeletion on prod's") for f in findings), text
    assert any(f.startswith("mlops-gha-apply-dev: s3:DeleteBucket on prod's") for f in findings), text
    # The plan role could take and break every lock.
    assert "mlops-gha-plan: s3:PutObject prod/terraform.tfstate.tflock" in findings, text
    assert "mlops-gha-plan: s3:DeleteObject prod/terraform.tfstate.tflock" in findings, text
    assert any(f.startswith("mlops-gha-plan: ssm:GetParameterHistory") for f in findings), text
    # One plan role for every environment: planning dev could read prod's state.
    assert "mlops-gha-plan: s3:GetObject prod/terraform.tfstate (not its environment's state)" in findings, text
    # And the roles the dev environment created had no boundary at all.
    dev_roles = {n: r.get("PermissionsBoundary") for n, r in legacy.roles.items() if n.startswith("mlops-dev-")}
    assert dev_roles and not any(dev_roles.values()), dev_roles


def test_principalmapper_graph_has_no_escalating_edge(account: Account) -> None:
    findings = graph_findings(account, PROJECT)
    assert findings == [], "edges out of the CI roles:\n  " + "\n  ".join(findings)


def test_principalmapper_graph_flags_the_policies_before_issue_12() -> None:
    legacy = Account.load(str(HERE / "fixtures" / "legacy-authorization-details.json"))
    findings = graph_findings(legacy, PROJECT)
    assert any(
        "mlops-gha-apply-dev can update the trust document to access role/mlops-dev-cluster-node" in f and "none" in f
        for f in findings
    ), findings


def test_every_role_the_environment_created_carries_its_boundary(account: Account) -> None:
    created = {n: r for n, r in account.roles.items() if n.startswith(f"{PROJECT}-dev-")}
    assert len(created) >= 3, f"expected the dev environment's roles in the export, found {sorted(created)}"
    want = f"arn:aws:iam::{account.account_id}:policy/{PROJECT}-boundary-dev"
    wrong = {n: (r.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn") for n, r in created.items()}
    wrong = {n: b for n, b in wrong.items() if b != want}
    assert wrong == {}, f"roles without the dev boundary: {wrong}"


def test_apply_role_creates_roles_only_with_its_boundary(account: Account) -> None:
    """The positive side of the boundary rule (the negative side is in the
    escalation findings): with the right boundary and name it is allowed."""
    node = account.node(f"{PROJECT}-gha-apply-dev")
    role = f"arn:aws:iam::{account.account_id}:role/{PROJECT}-dev-cluster-node"
    boundary = {"iam:PermissionsBoundary": f"arn:aws:iam::{account.account_id}:policy/{PROJECT}-boundary-dev"}
    assert allowed(node, "iam:CreateRole", role, boundary)
    assert allowed(node, "iam:PutRolePolicy", role, boundary)
    assert allowed(node, "iam:AttachRolePolicy", role, {**boundary, "iam:PolicyARN": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"})
    assert not allowed(node, "iam:CreateRole", role, {})
    assert not allowed(node, "iam:AttachRolePolicy", role, {**boundary, "iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"})


def test_apply_role_still_reaches_its_own_environment(account: Account) -> None:
    """The scoping denies must not lock an environment out of itself."""
    acct = account.account_id
    node = account.node(f"{PROJECT}-gha-apply-dev")
    assert allowed(node, "eks:CreateAccessEntry", f"arn:aws:eks:us-east-1:{acct}:cluster/{PROJECT}-dev-cluster")
    assert allowed(node, "kms:ScheduleKeyDeletion", f"arn:aws:kms:us-east-1:{acct}:key/k", {"aws:ResourceTag/Environment": "dev"})
    assert allowed(node, "ec2:RunInstances", f"arn:aws:ec2:us-east-1:{acct}:instance/*", {"aws:RequestTag/Environment": "dev"})
    assert allowed(node, "s3:DeleteBucket", f"arn:aws:s3:::{PROJECT}-platform-artifacts-dev-{acct}")


def test_state_bucket_policy_keeps_prefixes_to_their_owners(account: Account, bucket_policy: dict) -> None:
    """The bucket policy alone (for a principal whose own policies allow s3:*)
    limits each prefix to its environment's apply role and the break-glass
    principal, forbids version deletes and access points, and requires KMS."""
    acct = account.account_id
    bucket = os.environ.get("IAM_STATE_BUCKET", f"mlops-platform-tfstate-{acct}")
    state = lambda env: f"arn:aws:s3:::{bucket}/{env}/terraform.tfstate"  # noqa: E731
    kms = {"s3:x-amz-server-side-encryption": "aws:kms"}

    def s3_admin(name: str):
        return account.synthetic_node(name, [ADMIN], None)

    def ok(node, action, resource, ctx=None):
        return allowed(node, action, resource, {**kms, **(ctx or {})}, resource_policy=bucket_policy, owner=acct)

    apply_dev = s3_admin(f"{PROJECT}-gha-apply-dev")
    assert ok(apply_dev, "s3:PutObject", state("dev"))
    assert not ok(apply_dev, "s3:PutObject", state("prod"))
    assert not ok(apply_dev, "s3:PutObject", state("bootstrap"))
    assert not ok(s3_admin("someone-else"), "s3:PutObject", state("prod"))
    assert not ok(apply_dev, "s3:DeleteObjectVersion", state("dev"))
    assert not ok(apply_dev, "s3:PutObject", state("dev"), {"s3:x-amz-server-side-encryption-aws-kms-key-id": f"arn:aws:kms:us-east-1:{acct}:key/other"})
    assert not ok(apply_dev, "s3:PutObject", state("dev"), {"s3:x-amz-server-side-encryption": "AES256"})
    assert not ok(apply_dev, "s3:GetObject", state("dev"), {"s3:DataAccessPointArn": f"arn:aws:s3:us-east-1:{acct}:accesspoint/x"})
    assert not ok(apply_dev, "s3:GetObject", state("dev"), {"aws:SecureTransport": "false"})


def test_plan_role_reads_only_its_own_environments_state(account: Account) -> None:
    """The positive side of the per-environment plan roles (the negative side,
    another environment's state, is in the escalation findings): each plan role
    reads and decrypts its own state."""
    acct = account.account_id
    bucket = os.environ.get("IAM_STATE_BUCKET", f"mlops-platform-tfstate-{acct}")
    for env in ("dev", "stage", "prod"):
        node = account.node(f"{PROJECT}-gha-plan-{env}")
        assert allowed(node, "s3:GetObject", f"arn:aws:s3:::{bucket}/{env}/terraform.tfstate"), env
        assert allowed(node, "s3:ListBucket", f"arn:aws:s3:::{bucket}"), env
        others = [o for o in ("dev", "stage", "prod", "bootstrap") if o != env]
        for other in others:
            assert not allowed(node, "s3:GetObject", f"arn:aws:s3:::{bucket}/{other}/terraform.tfstate"), (env, other)


def test_state_bucket_policy_keeps_plan_reads_to_their_environment(account: Account, bucket_policy: dict) -> None:
    """The bucket's side of the same rule: even a plan role whose IAM policies
    allowed s3:* could read only its own environment's prefix. The broken copy
    without prod's statement lets plan-dev read prod's state again."""
    acct = account.account_id
    bucket = os.environ.get("IAM_STATE_BUCKET", f"mlops-platform-tfstate-{acct}")
    state = lambda env: f"arn:aws:s3:::{bucket}/{env}/terraform.tfstate"  # noqa: E731

    def ok(role: str, env: str, policy: dict) -> bool:
        node = account.synthetic_node(role, [ADMIN], None)
        return allowed(node, "s3:GetObject", state(env), resource_policy=policy, owner=acct)

    for reader in ("dev", "stage", "prod"):
        for env in ("dev", "stage", "prod"):
            assert ok(f"{PROJECT}-gha-plan-{reader}", env, bucket_policy) == (reader == env), (reader, env)
    assert ok(f"{PROJECT}-gha-apply-prod", "prod", bucket_policy)

    broken = dict(bucket_policy, Statement=[s for s in bucket_policy["Statement"] if s.get("Sid") != "OnlyOwnPlanRoleReadsProdState"])
    assert len(broken["Statement"]) == len(bucket_policy["Statement"]) - 1, "no OnlyOwnPlanRoleReadsProdState statement"
    assert ok(f"{PROJECT}-gha-plan-dev", "prod", broken)


def _without(account: Account, role: str, sid: str, drop_condition: bool = False) -> Account:
    """A copy of the export with one statement of a role's own policies (inline,
    or customer managed and attached to it, such as the apply roles' isolation
    policies) removed (or only its Condition), as if that rule had never been
    written."""
    import copy

    broken = copy.deepcopy(account)
    found = False

    def strip(doc: dict) -> dict:
        nonlocal found
        kept = []
        for st in doc["Statement"]:
            if st.get("Sid") != sid:
                kept.append(st)
                continue
            found = True
            if drop_condition:
                kept.append({k: v for k, v in st.items() if k != "Condition"})
        return dict(doc, Statement=kept)

    for policy in broken.roles[role].get("RolePolicyList", []):
        doc = policy["PolicyDocument"]
        policy["PolicyDocument"] = strip(json.loads(doc) if isinstance(doc, str) else doc)
    for attached in broken.roles[role].get("AttachedManagedPolicies", []):
        arn = attached["PolicyArn"]
        if not arn.startswith("arn:aws:iam::aws:"):
            broken.policies[arn] = strip(broken.policies[arn])
    assert found, f"{role} has no statement {sid}; the broken copy no longer applies"
    return broken


# (statement, drop only its condition?) edits that make one broken copy.
BOUNDARY_RULE = [("DenyForeignBoundary", False), ("ManageEnvironmentRolesWithBoundary", True)]


@pytest.mark.parametrize(
    "edits, expected",
    [
        # The boundary is required twice (allow condition and explicit deny);
        # only without both can a role be created without it.
        (BOUNDARY_RULE, "iam:CreateRole mlops-dev-escalate with no boundary"),
        (BOUNDARY_RULE, "iam:CreateRole mlops-dev-escalate with AdministratorAccess as boundary"),
        ([("DenyAssumingRoles", False)], "sts:AssumeRole mlops-dev-escalate"),
        ([("DenyOtherEnvironmentsByName", False)], "eks:CreateAccessEntry on prod's cluster/mlops-prod-cluster"),
        ([("DenyOtherEnvironmentsByResourceTag", False)], "ec2:TerminateInstances on prod's"),
        ([("DenyOtherEnvironmentsByRequestTag", False)], "ec2:CreateTags on prod's"),
        ([("DenyEnvironmentTagRemoval", False)], "ec2:DeleteTags removes the Environment tag"),
    ],
)
def test_each_apply_role_rule_is_needed(account: Account, edits, expected: str) -> None:
    """Broken copies, one per rule: without it the analysis finds a path."""
    broken = account
    for sid, drop_condition in edits:
        broken = _without(broken, "mlops-gha-apply-dev", sid, drop_condition)
    findings = escalation_findings(broken, PROJECT)
    assert any(expected in f for f in findings), f"no finding with {expected!r} in {findings}"


def test_environment_key_changes_only_by_its_apply_role(account: Account) -> None:
    """The dev KMS key's policy (read from moto after the dev apply): even a
    principal whose IAM policies allow kms:* cannot delete, disable or re-policy
    it unless it is dev's apply role (or a named cluster admin)."""
    key_policy = json.loads(Path(_env("IAM_DEV_KEY_POLICY")).read_text())
    acct = account.account_id
    key = f"arn:aws:kms:us-east-1:{acct}:key/00000000-0000-0000-0000-000000000000"

    def ok(role: str, action: str) -> bool:
        node = account.synthetic_node(role, [ADMIN], None)
        return allowed(node, action, key, {"aws:ResourceTag/Environment": "dev"}, resource_policy=key_policy, owner=acct)

    for action in ("kms:ScheduleKeyDeletion", "kms:PutKeyPolicy", "kms:DisableKey"):
        assert ok(f"{PROJECT}-gha-apply-dev", action), action
        assert not ok(f"{PROJECT}-gha-apply-prod", action), action
        assert not ok("platform-operator", action), action
    assert ok(f"{PROJECT}-gha-apply-prod", "kms:Decrypt")


def test_an_environment_in_its_own_account_gets_the_same_roles() -> None:
    """The account-per-environment layout: infra/bootstrap/account applied for
    prod into a second moto account (scripts/iam-test). Its roles are created
    there, trust that account's GitHub provider, carry the same policies, and
    the same analysis finds no way out of them."""
    other = Account.load(_env("IAM_ACCOUNT_EXPORT"))
    acct = _env("IAM_OTHER_ACCOUNT")
    assert other.account_id == acct
    for role in (f"{PROJECT}-gha-plan-prod", f"{PROJECT}-gha-apply-prod"):
        assert role in other.roles, f"{role} not in account {acct}: {sorted(other.roles)}"
        trust = other.roles[role]["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        principals = {st["Principal"]["Federated"] for st in trust["Statement"]}
        assert principals == {f"arn:aws:iam::{acct}:oidc-provider/token.actions.githubusercontent.com"}, principals
    assert f"arn:aws:iam::{acct}:policy/{PROJECT}-boundary-prod" in other.policies
    findings = escalation_findings(other, PROJECT)
    assert findings == [], "escalation paths:\n  " + "\n  ".join(findings)
    node = other.node(f"{PROJECT}-gha-plan-prod")
    bucket = _env("IAM_STATE_BUCKET")
    assert allowed(node, "s3:GetObject", f"arn:aws:s3:::{bucket}/prod/terraform.tfstate")
    assert not allowed(node, "s3:GetObject", f"arn:aws:s3:::{bucket}/dev/terraform.tfstate")


def test_controllers_can_do_their_work_in_their_environment_only(account: Account) -> None:
    """Karpenter and the AWS Load Balancer Controller run with roles the dev
    environment created (their own policies, cut by the dev boundary): the
    boundary must let them work, and only inside dev."""
    acct = account.account_id
    karpenter = account.node(f"{PROJECT}-dev-karpenter-controller")
    node_role = f"arn:aws:iam::{acct}:role/{PROJECT}-dev-karpenter-node"
    to_ec2 = {"iam:PassedToService": "ec2.amazonaws.com"}
    assert allowed(karpenter, "iam:PassRole", node_role, to_ec2)
    assert not allowed(karpenter, "iam:PassRole", f"arn:aws:iam::{acct}:role/{PROJECT}-prod-karpenter-node", to_ec2)
    assert not allowed(karpenter, "iam:PassRole", f"arn:aws:iam::{acct}:role/{PROJECT}-gha-apply-dev", to_ec2)
    profile_tags = {
        f"aws:RequestTag/kubernetes.io/cluster/{PROJECT}-dev-cluster": "owned",
        "aws:RequestTag/eks:eks-cluster-name": f"{PROJECT}-dev-cluster",
        "aws:RequestTag/topology.kubernetes.io/region": "us-east-1",
        "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass": "default",
    }
    own_profile = f"arn:aws:iam::{acct}:instance-profile/karpenter/us-east-1/{PROJECT}-dev-cluster/uid/{PROJECT}-dev-cluster_1"
    prod_profile = f"arn:aws:iam::{acct}:instance-profile/karpenter/us-east-1/{PROJECT}-prod-cluster/uid/{PROJECT}-prod-cluster_1"
    assert allowed(karpenter, "iam:CreateInstanceProfile", own_profile, profile_tags)
    assert not allowed(karpenter, "iam:CreateInstanceProfile", prod_profile, profile_tags)
    assert allowed(karpenter, "sqs:ReceiveMessage", f"arn:aws:sqs:us-east-1:{acct}:{PROJECT}-dev-karpenter-interruption")
    assert not allowed(karpenter, "sqs:ReceiveMessage", f"arn:aws:sqs:us-east-1:{acct}:{PROJECT}-prod-karpenter-interruption")
    # A role dev creates, whatever its policy, cannot manage prod's Karpenter
    # instance profiles or pass prod's node role (the boundary).
    created = account.synthetic_node(f"{PROJECT}-dev-escalate", [ADMIN], f"arn:aws:iam::{acct}:policy/{PROJECT}-boundary-dev")
    assert not allowed(created, "iam:AddRoleToInstanceProfile", prod_profile)
    assert not allowed(created, "iam:PassRole", f"arn:aws:iam::{acct}:role/{PROJECT}-prod-karpenter-node", to_ec2)
    assert not allowed(created, "iam:PassRole", f"arn:aws:iam::{acct}:role/{PROJECT}-dev-karpenter-controller", to_ec2)

    lb = account.node(f"{PROJECT}-dev-lb-controller")
    assert allowed(lb, "iam:ListServerCertificates", "*")
    assert allowed(
        lb,
        "elasticloadbalancing:CreateLoadBalancer",
        f"arn:aws:elasticloadbalancing:us-east-1:{acct}:loadbalancer/app/k8s-x/1",
        {"aws:RequestTag/elbv2.k8s.aws/cluster": f"{PROJECT}-dev-cluster"},
    )

    # The apply role binds them: it may pass dev's roles to EKS Pod Identity, no others.
    apply = account.node(f"{PROJECT}-gha-apply-dev")
    to_pods = {"iam:PassedToService": "pods.eks.amazonaws.com"}
    assert allowed(apply, "iam:PassRole", f"arn:aws:iam::{acct}:role/{PROJECT}-dev-karpenter-controller", to_pods)
    assert not allowed(apply, "iam:PassRole", f"arn:aws:iam::{acct}:role/{PROJECT}-prod-karpenter-controller", to_pods)
    assert not allowed(apply, "iam:PassRole", f"arn:aws:iam::{acct}:role/{PROJECT}-gha-apply-dev", to_pods)
