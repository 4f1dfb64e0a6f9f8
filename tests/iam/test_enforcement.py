"""Real requests against moto with IAM enforcement on (scripts/iam-test).

moto enforces identity policies once its INITIAL_NO_AUTH_ACTION_COUNT is used
up (set here through /moto-api/reset-auth). What moto 5.2.5 can and cannot
evaluate, measured:
  - S3 requests are checked against the object or bucket ARN: the state prefix
    and bucket-name rules are enforced for real here.
  - Other services are checked against Resource "*" unless the role exists, and
    Condition blocks are not evaluated at all (a statement with a condition
    applies unconditionally). So "CreateRole without the boundary is denied,
    with it allowed" cannot be shown in moto (both are refused: the new role's
    ARN is never matched); it is covered by the policy-level tests in
    test_analysis.py (test_apply_role_creates_roles_only_with_its_boundary and
    the escalation findings).
  - Permissions boundaries are not enforced by moto; also covered there.
  - sts:AssumeRole is refused by moto's trust-policy check whatever the
    caller's policies say, so the DenyAssumingRoles rule is shown by the
    policy-level broken copy (test_each_apply_role_rule_is_needed).
"""

from __future__ import annotations

import os
import urllib.request

import boto3
import pytest
from botocore.exceptions import ClientError

PROJECT = "mlops"


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests through scripts/iam-test")
    return value


def _set_no_auth_count(endpoint: str, count: str) -> None:
    # text/plain: with a form content type moto would not see the body.
    req = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth", data=count.encode(), method="POST", headers={"Content-Type": "text/plain"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


@pytest.fixture(scope="module")
def moto():
    """Admin set-up with enforcement off, then clients for the CI roles with
    enforcement on; enforcement is switched off again afterwards."""
    endpoint = _env("AWS_ENDPOINT_URL")
    bucket = _env("IAM_STATE_BUCKET")
    admin_s3 = boto3.client("s3")
    acct = boto3.client("sts").get_caller_identity()["Account"]
    buckets = {env: f"{PROJECT}-platform-artifacts-{env}-{acct}-iamtest" for env in ("dev", "prod")}
    for env, name in buckets.items():
        admin_s3.create_bucket(Bucket=name)
        admin_s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "Environment", "Value": env}]})
    for key in ("prod/terraform.tfstate", "dev/terraform.tfstate", "dev/terraform.tfstate.tflock"):
        admin_s3.put_object(Bucket=bucket, Key=key, Body=b"{}")

    sts = boto3.client("sts")

    def session(role: str) -> boto3.Session:
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{acct}:role/{role}", RoleSessionName="iam-test")["Credentials"]
        return boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )

    sessions = {"apply-dev": session(f"{PROJECT}-gha-apply-dev"), "plan-dev": session(f"{PROJECT}-gha-plan-dev")}
    _set_no_auth_count(endpoint, "0")
    try:
        yield {"bucket": bucket, "buckets": buckets, "acct": acct, **sessions}
    finally:
        _set_no_auth_count(endpoint, "inf")


def _denied(call) -> str:
    with pytest.raises(ClientError) as err:
        call()
    code = err.value.response["Error"]["Code"]
    assert code in ("AccessDenied", "AccessDeniedException"), f"expected AccessDenied, got {code}"
    return code


def test_apply_dev_writes_its_own_state(moto) -> None:
    s3 = moto["apply-dev"].client("s3")
    s3.put_object(Bucket=moto["bucket"], Key="dev/terraform.tfstate", Body=b"{}")
    assert s3.get_object(Bucket=moto["bucket"], Key="dev/terraform.tfstate")["Body"].read() == b"{}"


def test_apply_dev_cannot_write_or_read_prod_state(moto) -> None:
    s3 = moto["apply-dev"].client("s3")
    _denied(lambda: s3.put_object(Bucket=moto["bucket"], Key="prod/terraform.tfstate", Body=b"{}"))
    _denied(lambda: s3.get_object(Bucket=moto["bucket"], Key="prod/terraform.tfstate"))
    _denied(lambda: s3.put_object(Bucket=moto["bucket"], Key="bootstrap/terraform.tfstate", Body=b"{}"))


def test_apply_dev_cannot_delete_a_prod_bucket_but_can_delete_a_dev_one(moto) -> None:
    s3 = moto["apply-dev"].client("s3")
    _denied(lambda: s3.delete_bucket(Bucket=moto["buckets"]["prod"]))
    s3.delete_bucket(Bucket=moto["buckets"]["dev"])


def test_plan_role_cannot_write_or_delete_a_lock(moto) -> None:
    s3 = moto["plan-dev"].client("s3")
    _denied(lambda: s3.put_object(Bucket=moto["bucket"], Key="dev/terraform.tfstate.tflock", Body=b"{}"))
    _denied(lambda: s3.delete_object(Bucket=moto["bucket"], Key="dev/terraform.tfstate.tflock"))
    _denied(lambda: s3.put_object(Bucket=moto["bucket"], Key="prod/terraform.tfstate.tflock", Body=b"{}"))


def test_plan_role_reads_its_own_state_only(moto) -> None:
    """A dev plan reads dev's state; prod's is denied (identity policy, enforced
    by moto on the object ARN; the bucket policy's side is in test_analysis.py).
    moto 5.2.5 treats a statement without `Resource` as matching, so the
    NotResource deny reads as an allow there; the explicit
    DenyOtherEnvironmentsState statement is what moto evaluates."""
    s3 = moto["plan-dev"].client("s3")
    assert s3.get_object(Bucket=moto["bucket"], Key="dev/terraform.tfstate")["Body"].read()
    _denied(lambda: s3.get_object(Bucket=moto["bucket"], Key="prod/terraform.tfstate"))
    _denied(lambda: s3.get_object(Bucket=moto["bucket"], Key="bootstrap/terraform.tfstate"))
