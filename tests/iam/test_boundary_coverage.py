"""The permissions boundary keeps every deny of the apply role's isolation
policies (scripts/iam-test export).

Both are written from the same statements (infra/bootstrap/modules/ci-roles/
scoping.tf), but the boundary is compacted to fit IAM's 6,144 characters: some
denies become gaps in its allow (services no workload uses), some cover every
action instead of a service list, its Sids are gone. This checks that nothing
was lost on the way: for every deny statement of the apply role's isolation
policies, a request that statement denies is built (each action, the first
resource, a context that meets its condition) and must be refused to a role
under the boundary whose own policy allows everything.
"""

from __future__ import annotations

import json
import os

import pytest

from authz import ADMIN, Account, allowed

PROJECT = "mlops"


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests through scripts/iam-test")
    return value


def _concrete(pattern: str, fill: str) -> str:
    return pattern.replace("*", fill).replace("?", "x")


def _listed(value) -> list:
    return value if isinstance(value, list) else [value]


def request_context(condition: dict) -> dict:
    """A context that meets `condition`: positive operators get their first value,
    negated ones a value none of theirs matches (or nothing, with IfExists),
    Null the presence it asks for."""
    ctx: dict = {}
    absent: set = set()
    for op, keys in condition.items():
        for key, value in keys.items():
            values = _listed(value)
            if op == "Null":
                (absent.add(key) if str(values[0]).lower() == "true" else ctx.setdefault(key, "probe-other"))
            elif op.startswith("ForAnyValue:"):
                ctx[key] = [_concrete(values[0], "x")]
            elif "Not" in op:
                if not op.endswith("IfExists"):
                    ctx[key] = "probe-other"
            else:
                ctx[key] = _concrete(values[0], "x")
    # Null: "false" set "probe-other" only where nothing else set a value.
    return {k: v for k, v in ctx.items() if k not in absent}


def probes(statement: dict, account_id: str) -> list[tuple[str, str, dict]]:
    actions = _listed(statement["Action"])
    resources = _listed(statement.get("Resource", "*"))
    resource = resources[0]
    resource = f"arn:aws:ec2:us-east-1:{account_id}:instance/i-probe" if resource == "*" else _concrete(resource, "x")
    ctx = request_context(statement.get("Condition", {}))
    out = []
    for action in actions:
        if action == "*":
            for concrete in ("eks:DeleteCluster", "s3:PutObject", "ec2:TerminateInstances", "sqs:SendMessage"):
                out.append((concrete, resource, ctx))
        else:
            out.append((_concrete(action, "Probe"), resource, ctx))
    return out


def _isolation_policies(account: Account, env: str) -> dict[str, dict]:
    role = account.roles[f"{PROJECT}-gha-apply-{env}"]
    arns = [a["PolicyArn"] for a in role.get("AttachedManagedPolicies", []) if not a["PolicyArn"].startswith("arn:aws:iam::aws:")]
    return {arn: account.policy(arn) for arn in arns}


@pytest.mark.parametrize("export_var, env", [("IAM_EXPORT", "dev"), ("IAM_EXPORT", "prod"), ("IAM_ACCOUNT_EXPORT", "prod")])
def test_the_boundary_denies_whatever_the_apply_roles_isolation_policies_deny(export_var: str, env: str) -> None:
    account = Account.load(_env(export_var))
    acct = account.account_id
    policies = _isolation_policies(account, env)
    # The isolation policies exist (account-wide, by name, by tag).
    assert len(policies) == 3, sorted(policies)
    boundary = f"arn:aws:iam::{acct}:policy/{PROJECT}-boundary-{env}"
    bounded = account.synthetic_node(f"{PROJECT}-{env}-probe", [ADMIN], boundary)
    checked, lost = 0, []
    for arn, doc in sorted(policies.items()):
        alone = account.synthetic_node(f"{PROJECT}-{env}-probe-alone", [ADMIN, doc], None)
        for st in doc["Statement"]:
            if st.get("Effect") != "Deny":
                continue
            for action, resource, ctx in probes(st, acct):
                # The probe is one this statement denies (else the check proves nothing).
                assert not allowed(alone, action, resource, ctx), f"probe {action} {resource} {ctx} is not denied by {arn} {st.get('Sid')}"
                checked += 1
                if allowed(bounded, action, resource, ctx):
                    lost.append(f"{st.get('Sid')}: {action} on {resource} with {json.dumps(ctx)}")
    assert checked > 50, checked
    assert lost == [], f"denied to {PROJECT}-gha-apply-{env} but allowed under {boundary}:\n  " + "\n  ".join(lost)
