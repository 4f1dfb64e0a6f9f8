"""IAM size quotas of every role and policy the bootstrap and the environment
modules create (scripts/iam-test: the moto export after applying infra/bootstrap
and infra/environments/dev, and infra/bootstrap/account's export).

moto accepts a policy of any size, real IAM does not: a boundary over the
managed-policy limit makes the bootstrap's first real apply fail with
LimitExceeded, after the roles it depends on were half created. So the sizes are
measured here, as IAM counts them: the policy JSON without white space
("IAM doesn't count white space when calculating the size of a policy").

The limits are AWS's "IAM and AWS STS quotas" (IAM User Guide,
reference_iam-quotas): a customer managed policy 6,144 characters, all inline
policies of a role together 10,240 characters (neither adjustable), a role trust
policy 2,048 characters and 10 managed policies attached to a role (the default
quotas; both can be raised through Service Quotas, which this must not rely on).
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import unquote

import pytest

MANAGED_POLICY_CHARS = 6144
ROLE_INLINE_POLICIES_CHARS = 10240
ROLE_TRUST_POLICY_CHARS = 2048
MANAGED_POLICIES_PER_ROLE = 10


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests through scripts/iam-test")
    return value


def _document(doc) -> dict:
    if isinstance(doc, dict):
        return doc
    return json.loads(doc if doc.lstrip().startswith("{") else unquote(doc))


def iam_size(doc) -> int:
    """Characters IAM counts: the JSON with every white-space character removed
    (between tokens and inside strings alike)."""
    return len(re.sub(r"\s", "", json.dumps(_document(doc), separators=(",", ":"), ensure_ascii=False)))


def quota_violations(export: dict) -> list[str]:
    """Every role and customer managed policy of one export over its quota."""
    found = []
    for p in export.get("Policies", []):
        if p["Arn"].startswith("arn:aws:iam::aws:"):
            continue  # AWS managed: AWS's own size, not ours to check
        default = next(v for v in p["PolicyVersionList"] if v.get("IsDefaultVersion"))
        size = iam_size(default["Document"])
        if size > MANAGED_POLICY_CHARS:
            found.append(f"managed policy {p['Arn']}: {size} characters, limit {MANAGED_POLICY_CHARS}")
    for r in export.get("RoleDetailList", []):
        name = r["RoleName"]
        inline = {p["PolicyName"]: iam_size(p["PolicyDocument"]) for p in r.get("RolePolicyList", [])}
        if sum(inline.values()) > ROLE_INLINE_POLICIES_CHARS:
            found.append(f"inline policies of role {name} {inline}: {sum(inline.values())} characters together, limit {ROLE_INLINE_POLICIES_CHARS}")
        trust = iam_size(r["AssumeRolePolicyDocument"])
        if trust > ROLE_TRUST_POLICY_CHARS:
            found.append(f"trust policy of role {name}: {trust} characters, limit {ROLE_TRUST_POLICY_CHARS}")
        attached = [a["PolicyArn"] for a in r.get("AttachedManagedPolicies", [])]
        if len(attached) > MANAGED_POLICIES_PER_ROLE:
            found.append(f"role {name}: {len(attached)} managed policies attached, limit {MANAGED_POLICIES_PER_ROLE}: {attached}")
    return found


@pytest.mark.parametrize("export_var", ["IAM_EXPORT", "IAM_ACCOUNT_EXPORT"])
def test_every_role_and_policy_fits_iams_quotas(export_var: str) -> None:
    with open(_env(export_var)) as fh:
        export = json.load(fh)
    roles = [r["RoleName"] for r in export.get("RoleDetailList", [])]
    # Not an empty export passing by default: the CI roles are in it.
    assert any(n.startswith("mlops-gha-apply-") for n in roles), roles
    found = quota_violations(export)
    assert found == [], f"{export_var}: over IAM's quotas (moto does not enforce them; real IAM refuses):\n  " + "\n  ".join(found)


def test_the_measure_counts_as_iam_does() -> None:
    """White space is not counted, wherever it is; every other character is."""
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}]}
    compact = '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}'
    assert iam_size(doc) == len(compact)
    assert iam_size(json.dumps(doc, indent=4)) == len(compact)
    over = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*", "Resource": ["arn:aws:s3:::b" + "x" * 7000]}]}
    export = {"Policies": [{"Arn": "arn:aws:iam::1:policy/p", "PolicyVersionList": [{"IsDefaultVersion": True, "Document": over}]}]}
    assert quota_violations(export) == [f"managed policy arn:aws:iam::1:policy/p: {iam_size(over)} characters, limit 6144"]
