"""Policy evaluation over an exported `get-account-authorization-details`.

principalmapper 1.1.5 evaluates conditions, explicit denies, permissions
boundaries and resource policies (`local_check_authorization_full`), but its
graph builder needs live AWS calls, does not load role permissions boundaries
and trips over moto's output. So this module builds principalmapper `Node`s
straight from the export (managed + inline policies, and the boundary policy
looked up by ARN) and asks the evaluator only.

The questions asked (`escalation_findings`) are the ones principalmapper's own
admin test does not: what each CI role may create under the names it may write
(with no boundary, with a boundary it can write itself, with a boundary that
allows `*`), whether it can then assume the result, whether it can change its
own or another CI role, and whether it reaches another environment.
"""

from __future__ import annotations

import collections
import collections.abc
import json
from dataclasses import dataclass
from typing import Any, Iterable, Optional
from urllib.parse import unquote

# principalmapper 1.1.5 imports Mapping/MutableMapping from `collections`, which
# Python 3.10 removed; give it the collections.abc ones before importing it.
collections.Mapping = collections.abc.Mapping  # type: ignore[attr-defined]
collections.MutableMapping = collections.abc.MutableMapping  # type: ignore[attr-defined]

from principalmapper.common.nodes import Node  # noqa: E402
from principalmapper.common.policies import Policy  # noqa: E402
from principalmapper.querying.query_interface import local_check_authorization_full  # noqa: E402


def _document(doc: Any) -> dict:
    """Policy documents come as dicts, JSON strings or URL-encoded JSON."""
    if isinstance(doc, dict):
        return doc
    if isinstance(doc, str):
        text = doc if doc.lstrip().startswith("{") else unquote(doc)
        return json.loads(text)
    raise ValueError(f"unexpected policy document: {type(doc).__name__}")


@dataclass
class Account:
    """The roles and managed policies of one export."""

    account_id: str
    roles: dict[str, dict]  # role name -> RoleDetailList entry
    policies: dict[str, dict]  # policy ARN -> default version document

    @classmethod
    def load(cls, path: str) -> "Account":
        with open(path) as fh:
            export = json.load(fh)
        roles = {r["RoleName"]: r for r in export.get("RoleDetailList", [])}
        policies: dict[str, dict] = {}
        for p in export.get("Policies", []):
            default = next((v for v in p.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), None)
            if default is None:
                raise ValueError(f"{path}: policy {p.get('Arn')} has no default version")
            policies[p["Arn"]] = _document(default["Document"])
        if not roles:
            raise ValueError(f"{path}: no RoleDetailList in the export")
        account_id = next(iter(roles.values()))["Arn"].split(":")[4]
        return cls(account_id, roles, policies)

    def policy(self, arn: str) -> dict:
        try:
            return self.policies[arn]
        except KeyError:
            raise KeyError(f"managed policy {arn} is not in the export") from None

    def node(self, role_name: str, extra_policies: Iterable[dict] = (), boundary_arn: Optional[str] = "from-export") -> Node:
        """principalmapper Node for a role in the export (with its boundary)."""
        role = self.roles[role_name]
        attached = [Policy(a["PolicyArn"], a["PolicyName"], self.policy(a["PolicyArn"])) for a in role.get("AttachedManagedPolicies", [])]
        attached += [
            Policy(role["Arn"], p["PolicyName"], _document(p["PolicyDocument"])) for p in role.get("RolePolicyList", [])
        ]
        attached += [Policy(role["Arn"], f"extra-{i}", doc) for i, doc in enumerate(extra_policies)]
        if boundary_arn == "from-export":
            boundary_arn = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
        boundary = Policy(boundary_arn, boundary_arn.split("/")[-1], self.policy(boundary_arn)) if boundary_arn else None
        tags = {t["Key"]: t["Value"] for t in role.get("Tags", [])}
        return Node(role["Arn"], role["RoleId"], attached, None, _document(role["AssumeRolePolicyDocument"]), None, 0, False, False, boundary, False, tags)

    def synthetic_node(self, role_name: str, policies: Iterable[dict], boundary_arn: Optional[str]) -> Node:
        """A role that does not exist yet: what a CI role could create."""
        arn = f"arn:aws:iam::{self.account_id}:role/{role_name}"
        attached = [Policy(arn, f"p{i}", doc) for i, doc in enumerate(policies)]
        boundary = Policy(boundary_arn, boundary_arn.split("/")[-1], self.policy(boundary_arn)) if boundary_arn else None
        trust = {"Version": "2012-10-17", "Statement": []}
        return Node(arn, "AROASYNTHETIC" + role_name.upper()[:8], attached, None, trust, None, 0, False, False, boundary, False, {})


def allowed(node: Node, action: str, resource: str, context: Optional[dict] = None, resource_policy: Optional[dict] = None, owner: Optional[str] = None) -> bool:
    return local_check_authorization_full(
        node, action, resource, dict(context or {}), resource_policy=resource_policy, resource_owner=owner
    )


ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def ci_roles(account: Account, project: str) -> tuple[dict[Optional[str], str], dict[str, str]]:
    """The plan roles and the apply roles per environment, by name.

    Plan roles are `<project>-gha-plan-<env>`; an export from before they were
    split has one `<project>-gha-plan` for every environment, returned under
    the key None (it belongs to no single environment)."""
    plan_prefix = f"{project}-gha-plan-"
    plan: dict[Optional[str], str] = {n[len(plan_prefix):]: n for n in account.roles if n.startswith(plan_prefix)}
    if f"{project}-gha-plan" in account.roles:
        plan[None] = f"{project}-gha-plan"
    if not plan:
        raise ValueError(f"the export has no {plan_prefix}<env> (or {project}-gha-plan) role")
    prefix = f"{project}-gha-apply-"
    apply = {n[len(prefix):]: n for n in account.roles if n.startswith(prefix)}
    if not apply:
        raise ValueError(f"the export has no {prefix}* roles")
    return plan, apply


def escalation_findings(account: Account, project: str = "mlops") -> list[str]:
    """Every way a CI role could exceed what it was given. Empty means none found."""
    acct = account.account_id
    plan, apply = ci_roles(account, project)
    envs = sorted(apply)
    findings: list[str] = []
    role_arn = lambda n: f"arn:aws:iam::{acct}:role/{n}"  # noqa: E731
    policy_arn = lambda n: f"arn:aws:iam::{acct}:policy/{n}"  # noqa: E731
    ci_role_names = [*plan.values(), *apply.values()]

    for env, name in sorted(apply.items()):
        node = account.node(name)
        boundary = policy_arn(f"{project}-boundary-{env}")
        self_writable_boundary = policy_arn(f"{project}-{env}-escalate")
        candidate_names = [f"{project}-{env}-escalate", *(f"{project}-{o}-escalate" for o in envs if o != env), f"{project}-gha-escalate", "escalate"]
        bad_boundaries = {
            "no boundary": {},
            "a boundary it can write itself": {"iam:PermissionsBoundary": self_writable_boundary},
            "AdministratorAccess as boundary": {"iam:PermissionsBoundary": "arn:aws:iam::aws:policy/AdministratorAccess"},
            "another environment's boundary": {"iam:PermissionsBoundary": policy_arn(f"{project}-boundary-{envs[0] if envs[0] != env else envs[-1]}")}
            if len(envs) > 1
            else {"iam:PermissionsBoundary": self_writable_boundary},
        }
        for target in candidate_names:
            target_arn = role_arn(target)
            for label, ctx in bad_boundaries.items():
                for action in ("iam:CreateRole", "iam:PutRolePermissionsBoundary"):
                    if allowed(node, action, target_arn, ctx):
                        hop = " and can assume it" if allowed(node, "sts:AssumeRole", target_arn) else ""
                        findings.append(f"{name}: {action} {target} with {label}{hop}")
            if target != f"{project}-{env}-escalate" and allowed(node, "iam:CreateRole", target_arn, {"iam:PermissionsBoundary": boundary}):
                findings.append(f"{name}: iam:CreateRole {target} outside its environment's names")
            if allowed(node, "sts:AssumeRole", target_arn):
                findings.append(f"{name}: sts:AssumeRole {target} (a role it could create or edit)")
            if allowed(node, "iam:DeleteRolePermissionsBoundary", target_arn):
                findings.append(f"{name}: iam:DeleteRolePermissionsBoundary {target}")
        # The boundaries themselves and the CI roles (its own included).
        for b_env in envs:
            b_arn = policy_arn(f"{project}-boundary-{b_env}")
            for action in ("iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy"):
                if allowed(node, action, b_arn):
                    findings.append(f"{name}: {action} on the boundary {b_arn}")
        for ci in ci_role_names:
            for action in ("iam:PutRolePolicy", "iam:AttachRolePolicy", "iam:UpdateAssumeRolePolicy", "iam:DeleteRolePermissionsBoundary", "sts:AssumeRole"):
                ctx = {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"} if action == "iam:AttachRolePolicy" else {}
                if allowed(node, action, role_arn(ci), ctx):
                    findings.append(f"{name}: {action} on CI role {ci}")
            if allowed(node, "iam:PassRole", role_arn(ci), {"iam:PassedToService": "ec2.amazonaws.com"}):
                findings.append(f"{name}: iam:PassRole of CI role {ci} to EC2")
        # Another environment's resources (single-account layout).
        for other in (o for o in envs if o != env):
            probes = [
                ("eks:CreateAccessEntry", f"arn:aws:eks:us-east-1:{acct}:cluster/{project}-{other}-cluster", {}),
                ("eks:DeleteCluster", f"arn:aws:eks:us-east-1:{acct}:cluster/{project}-{other}-cluster", {}),
                ("ssm:SendCommand", f"arn:aws:ec2:us-east-1:{acct}:instance/i-0123456789abcdef0", {"aws:ResourceTag/Environment": other}),
                ("kms:ScheduleKeyDeletion", f"arn:aws:kms:us-east-1:{acct}:key/00000000-0000-0000-0000-000000000000", {"aws:ResourceTag/Environment": other}),
                ("ec2:TerminateInstances", f"arn:aws:ec2:us-east-1:{acct}:instance/i-0123456789abcdef0", {"aws:ResourceTag/Environment": other}),
                ("ec2:CreateTags", f"arn:aws:ec2:us-east-1:{acct}:vpc/vpc-0123456789abcdef0", {"aws:ResourceTag/Environment": env, "aws:RequestTag/Environment": other, "aws:TagKeys": ["Environment"]}),
                ("s3:DeleteBucket", f"arn:aws:s3:::{project}-platform-artifacts-{other}-{acct}", {}),
                ("s3:PutObject", f"arn:aws:s3:::{project}-platform-artifacts-{other}-{acct}/model.bin", {}),
                ("iam:PutRolePolicy", role_arn(f"{project}-{other}-cluster-node"), {"iam:PermissionsBoundary": policy_arn(f"{project}-boundary-{other}")}),
                ("sqs:DeleteQueue", f"arn:aws:sqs:us-east-1:{acct}:{project}-{other}-karpenter-interruption", {}),
                ("events:PutTargets", f"arn:aws:events:us-east-1:{acct}:rule/{project}-{other}-karpenter-spot-interruption", {}),
                ("iam:PassRole", role_arn(f"{project}-{other}-karpenter-controller"), {"iam:PassedToService": "pods.eks.amazonaws.com"}),
                # Observability and cost (infra/modules/observability, cost).
                ("aps:DeleteWorkspace", f"arn:aws:aps:us-east-1:{acct}:workspace/ws-00000000-0000-0000-0000-000000000000", {"aws:ResourceTag/Environment": other}),
                ("aps:PutRuleGroupsNamespace", f"arn:aws:aps:us-east-1:{acct}:rulegroupsnamespace/ws-00000000-0000-0000-0000-000000000000/node-pressure", {"aws:ResourceTag/Environment": other}),
                ("grafana:DeleteWorkspace", f"arn:aws:grafana:us-east-1:{acct}:/workspaces/g-0123456789", {"aws:ResourceTag/Environment": other}),
                ("budgets:ModifyBudget", f"arn:aws:budgets::{acct}:budget/{project}-{other}-monthly", {}),
            ]
            for action, resource, ctx in probes:
                if allowed(node, action, resource, ctx):
                    findings.append(f"{name}: {action} on {other}'s {resource.split(':')[-1]}")
        if allowed(node, "ec2:DeleteTags", f"arn:aws:ec2:us-east-1:{acct}:vpc/vpc-0123456789abcdef0", {"aws:ResourceTag/Environment": env, "aws:TagKeys": ["Environment"]}):
            findings.append(f"{name}: ec2:DeleteTags removes the Environment tag (moves a resource out of its environment)")
        if allowed(node, "aps:UntagResource", f"arn:aws:aps:us-east-1:{acct}:workspace/ws-00000000-0000-0000-0000-000000000000", {"aws:ResourceTag/Environment": env, "aws:TagKeys": ["Environment"]}):
            findings.append(f"{name}: aps:UntagResource removes the Environment tag of an AMP workspace")

        # What a role it creates could do, whatever policies it gives it: the
        # boundary is the ceiling.
        if boundary in account.policies:
            bucket = state_bucket_name(account, project)
            created = account.synthetic_node(f"{project}-{env}-escalate", [ADMIN], boundary)
            for other in (o for o in envs if o != env):
                if allowed(created, "kms:ScheduleKeyDeletion", f"arn:aws:kms:us-east-1:{acct}:key/k", {"aws:ResourceTag/Environment": other}):
                    findings.append(f"a role {name} creates (with its boundary and AdministratorAccess): kms:ScheduleKeyDeletion on {other}'s key")
                if allowed(created, "eks:DeleteCluster", f"arn:aws:eks:us-east-1:{acct}:cluster/{project}-{other}-cluster"):
                    findings.append(f"a role {name} creates (with its boundary and AdministratorAccess): eks:DeleteCluster on {other}'s cluster")
            for action, resource in [
                ("iam:CreateRole", role_arn("anything")),
                ("iam:AttachRolePolicy", role_arn(name)),
                ("sts:AssumeRole", role_arn(name)),
                ("sts:AssumeRole", role_arn(f"{project}-{env}-escalate")),
                ("s3:PutObject", f"arn:aws:s3:::{bucket}/{env}/terraform.tfstate"),
            ]:
                if allowed(created, action, resource):
                    findings.append(f"a role {name} creates (with its boundary and AdministratorAccess): {action} on {resource}")
        else:
            findings.append(f"{name}: no permissions boundary policy {boundary} in the account")

    # The plan roles: any same-repository pull request can use them.
    bucket = state_bucket_name(account, project)
    for plan_env, plan_name in sorted(plan.items(), key=lambda kv: kv[1]):
        node = account.node(plan_name)
        for env in envs:
            for key in (f"{env}/terraform.tfstate.tflock", f"{env}/terraform.tfstate"):
                for action in ("s3:PutObject", "s3:DeleteObject"):
                    if allowed(node, action, f"arn:aws:s3:::{bucket}/{key}"):
                        findings.append(f"{plan_name}: {action} {key}")
        # A plan needs its own environment's state only (the roots read no
        # remote state); a single plan role for all of them (key None) reads
        # every environment's, so a dev plan could read prod's.
        for env in [*envs, "bootstrap"]:
            if env != plan_env and allowed(node, "s3:GetObject", f"arn:aws:s3:::{bucket}/{env}/terraform.tfstate"):
                findings.append(f"{plan_name}: s3:GetObject {env}/terraform.tfstate (not its environment's state)")
        for action, resource in [
            ("ssm:GetParameterHistory", f"arn:aws:ssm:us-east-1:{acct}:parameter/db-password"),
            ("ssm:GetParameter", f"arn:aws:ssm:us-east-1:{acct}:parameter/db-password"),
            ("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{acct}:secret:db"),
            ("lambda:GetFunctionConfiguration", f"arn:aws:lambda:us-east-1:{acct}:function:f"),
            ("sqs:ReceiveMessage", f"arn:aws:sqs:us-east-1:{acct}:queue"),
            ("s3:GetObject", f"arn:aws:s3:::{project}-platform-artifacts-prod-{acct}/model.bin"),
            ("iam:CreateRole", role_arn("anything")),
            ("iam:PutRolePolicy", role_arn(plan_name)),
            ("sts:AssumeRole", role_arn(next(iter(apply.values())))),
            *(("sts:AssumeRole", role_arn(other)) for other in plan.values() if other != plan_name),
        ]:
            if allowed(node, action, resource):
                findings.append(f"{plan_name}: {action} on {resource}")
    return findings


def state_bucket_name(account: Account, project: str) -> str:
    """The state bucket, read from the plan roles' policies (their only readable bucket)."""
    plan, _ = ci_roles(account, project)
    for name in plan.values():
        for p in account.roles[name].get("RolePolicyList", []):
            for st in _document(p["PolicyDocument"]).get("Statement", []):
                for r in st.get("Resource", []) if isinstance(st.get("Resource"), list) else [st.get("Resource")]:
                    if isinstance(r, str) and r.startswith("arn:aws:s3:::") and r.endswith("/terraform.tfstate"):
                        return r[len("arn:aws:s3:::"):].split("/")[0]
    raise ValueError(f"cannot find the state bucket in the policies of {sorted(plan.values())}")


def graph_findings(account: Account, project: str = "mlops") -> list[str]:
    """principalmapper's own graph analysis (all edge checkers, offline) over the
    export: every edge a CI role has must lead only to a role of its own
    environment that carries that environment's boundary (a lateral move that
    cannot gain anything), never to a CI role, another environment or an admin.

    Its admin test (`update_admin_status`) runs too, but it only tries
    `iam:CreateRole` on "*" and the like, so it finds no admin even in the
    pre-issue-12 policies; the probes in `escalation_findings` fill that gap.
    """
    from principalmapper.graphing.edge_identification import checker_map, obtain_edges
    from principalmapper.graphing.gathering import update_admin_status

    nodes = [account.node(n) for n in sorted(account.roles)]
    update_admin_status(nodes)
    edges = obtain_edges(None, list(checker_map), nodes)
    plan, apply = ci_roles(account, project)
    env_of = {account.roles[n]["Arn"]: e for e, n in apply.items()}
    for name in plan.values():
        env_of[account.roles[name]["Arn"]] = None
    findings = [f"{n.arn}: principalmapper marks it admin" for n in nodes if n.is_admin]
    for edge in edges:
        if edge.source.arn not in env_of:
            continue
        env = env_of[edge.source.arn]
        target = edge.destination.arn.split("/")[-1]
        boundary = edge.destination.permissions_boundary
        want = f"arn:aws:iam::{account.account_id}:policy/{project}-boundary-{env}"
        if env is None or not target.startswith(f"{project}-{env}-") or boundary is None or boundary.arn != want:
            findings.append(f"{edge.describe_edge()} (target boundary: {boundary.arn if boundary else 'none'})")
    return findings
