"""The workload roles of an environment (scripts/iam-test): what the Pod Identity roles
of training, serving and the model registry may do with the artifact bucket, its key and
the database's master secret, asked of principalmapper's evaluator (identity policy,
conditions, the environment's permissions boundary, the bucket policy) on the export of
moto after applying infra/environments/dev.

Each rule is asked both ways (what the role must do, what it must not), so a role that
lost its access fails as surely as one that gained some; `broken` copies of the
policies (a wildcard where a prefix belongs) show each question can fail.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest

from authz import Account, allowed

PROJECT = "mlops"
ENV = "dev"
OTHER_ENVS = ("stage", "prod")
TLS = {"aws:SecureTransport": "true"}


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests through scripts/iam-test")
    return value


@pytest.fixture(scope="module")
def account() -> Account:
    return Account.load(_env("IAM_EXPORT"))


@pytest.fixture(scope="module")
def bucket_policy() -> dict | None:
    return json.loads(Path(_env("IAM_RESOURCE_POLICIES")).read_text()).get("dev_artifacts")


def bucket(account: Account, env: str = ENV) -> str:
    return f"arn:aws:s3:::{PROJECT}-platform-artifacts-{env}-{account.account_id}"


def role(account: Account, workload: str) -> str:
    name = f"{PROJECT}-{ENV}-{workload}"
    assert name in account.roles, f"{name} is not in the export: is enable_ml_access on in dev?"
    return name


def inline(account: Account, name: str) -> dict:
    (policy,) = account.roles[name]["RolePolicyList"]
    doc = policy["PolicyDocument"]
    return doc if isinstance(doc, dict) else json.loads(doc)


def key_arn(account: Account) -> str:
    statement = next(s for s in inline(account, role(account, "training"))["Statement"] if s["Sid"] == "BucketKeyThroughS3")
    return statement["Resource"]


def can(account: Account, node, action: str, resource: str, bucket_policy: dict | None = None, **context: str) -> bool:
    on_bucket = resource.startswith(bucket(account))
    return allowed(
        node,
        action,
        resource,
        {**TLS, **context},
        resource_policy=bucket_policy if on_bucket else None,
        owner=account.account_id if on_bucket else None,
    )


def model_writes(account: Account, node, bucket_policy: dict | None) -> list[str]:
    own = bucket(account)
    return [a for a in ("s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload") if can(account, node, a, f"{own}/models/m.pt", bucket_policy)]


def other_bucket_access(account: Account, node) -> list[str]:
    found = []
    for env in OTHER_ENVS:
        other = bucket(account, env)
        for action, resource in (
            ("s3:GetObject", f"{other}/datasets/d.csv"),
            ("s3:GetObject", f"{other}/models/m.pt"),
            ("s3:PutObject", f"{other}/models/m.pt"),
            ("s3:DeleteObject", f"{other}/models/m.pt"),
        ):
            if can(account, node, action, resource):
                found.append(f"{action} {resource}")
        if can(account, node, "s3:ListBucket", other, **{"s3:prefix": "datasets/"}):
            found.append(f"s3:ListBucket {other}")
    return found


def test_training_reads_datasets_and_writes_models(account: Account, bucket_policy) -> None:
    node = account.node(role(account, "training"))
    own = bucket(account)
    assert can(account, node, "s3:GetObject", f"{own}/datasets/images/0001.png", bucket_policy)
    assert can(account, node, "s3:ListBucket", own, bucket_policy, **{"s3:prefix": "datasets/images/"})
    assert can(account, node, "s3:PutObject", f"{own}/models/run-1/model.pt", bucket_policy)
    assert can(account, node, "kms:GenerateDataKey", key_arn(account), **{"kms:ViaService": "s3.us-east-1.amazonaws.com"})
    # ...and nothing else of the bucket: no dataset writes, no deletes, no other prefix.
    assert not can(account, node, "s3:PutObject", f"{own}/datasets/images/0001.png", bucket_policy)
    assert not can(account, node, "s3:DeleteObject", f"{own}/models/run-1/model.pt", bucket_policy)
    assert not can(account, node, "s3:GetObject", f"{own}/mlflow/1/artifacts/model.pkl", bucket_policy)
    assert not can(account, node, "s3:ListBucket", own, bucket_policy, **{"s3:prefix": "mlflow/"})


def test_training_cannot_touch_another_environments_bucket(account: Account) -> None:
    node = account.node(role(account, "training"))
    assert other_bucket_access(account, node) == []


def test_serving_cannot_write_models(account: Account, bucket_policy) -> None:
    node = account.node(role(account, "serving"))
    own = bucket(account)
    assert can(account, node, "s3:GetObject", f"{own}/models/run-1/model.pt", bucket_policy)
    assert model_writes(account, node, bucket_policy) == []
    assert not can(account, node, "s3:GetObject", f"{own}/datasets/images/0001.png", bucket_policy)
    assert other_bucket_access(account, node) == []


def test_the_key_works_for_workloads_only_through_s3(account: Account) -> None:
    for workload in ("training", "serving"):
        node = account.node(role(account, workload))
        assert can(account, node, "kms:Decrypt", key_arn(account), **{"kms:ViaService": "s3.us-east-1.amazonaws.com"}), workload
        assert not can(account, node, "kms:Decrypt", key_arn(account), **{"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}), workload
        assert not can(account, node, "kms:Decrypt", key_arn(account)), workload


def test_a_serving_role_with_a_wildcard_would_be_flagged(account: Account, bucket_policy) -> None:
    """The broken copy: serving's policy with s3:* on models/ instead of GetObject."""
    broken = copy.deepcopy(inline(account, role(account, "serving")))
    for statement in broken["Statement"]:
        if statement.get("Sid") == "ReadModels":
            statement["Action"] = ["s3:*"]
    node = account.synthetic_node(
        f"{PROJECT}-{ENV}-serving-broken",
        [broken],
        account.roles[role(account, "serving")]["PermissionsBoundary"]["PermissionsBoundaryArn"],
    )
    assert model_writes(account, node, bucket_policy) == ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]


def test_a_training_role_on_every_bucket_would_be_flagged(account: Account) -> None:
    """The broken copy: training's dataset read on every bucket. Its own policy would then
    reach prod's data; the environment's permissions boundary still stops it (a second
    layer, which this also shows)."""
    broken = copy.deepcopy(inline(account, role(account, "training")))
    for statement in broken["Statement"]:
        if statement.get("Sid") == "ReadDatasets":
            statement["Resource"] = "arn:aws:s3:::*/datasets/*"
    name = f"{PROJECT}-{ENV}-training-broken"
    boundary = account.roles[role(account, "training")]["PermissionsBoundary"]["PermissionsBoundaryArn"]
    found = other_bucket_access(account, account.synthetic_node(name, [broken], None))
    assert f"s3:GetObject {bucket(account, 'prod')}/datasets/d.csv" in found, found
    assert other_bucket_access(account, account.synthetic_node(name, [broken], boundary)) == []


def master_secret_arn(account: Account) -> str:
    """The RDS-managed secret of MLflow's database, as MLflow's role names it (RDS picks
    the name; Terraform reads only its ARN)."""
    statement = next(s for s in inline(account, role(account, "mlflow"))["Statement"] if s["Sid"] == "DatabaseMasterSecret")
    arn = statement["Resource"]
    assert arn.startswith(f"arn:aws:secretsmanager:us-east-1:{account.account_id}:secret:"), arn
    return arn


def secret_readers(account: Account, nodes: dict) -> list[str]:
    secret = master_secret_arn(account)
    via_secrets_manager = {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}
    return sorted(
        name
        for name, node in nodes.items()
        if can(account, node, "secretsmanager:GetSecretValue", secret)
        and can(account, node, "kms:Decrypt", key_arn(account), **via_secrets_manager)
    )


def environment_roles(account: Account) -> dict:
    """Every role the dev environment creates (workloads, controllers, nodes, cluster)."""
    return {name: account.node(name) for name in account.roles if name.startswith(f"{PROJECT}-{ENV}-")}


def test_only_mlflows_role_reads_the_database_master_secret(account: Account) -> None:
    roles = environment_roles(account)
    workloads = [n for n, r in account.roles.items() if n in roles and "pods.eks.amazonaws.com" in json.dumps(r["AssumeRolePolicyDocument"])]
    # The workloads and controllers that run in pods: all four kinds are in the export.
    for expected in ("training", "serving", "mlflow", "karpenter-controller", "lb-controller"):
        assert f"{PROJECT}-{ENV}-{expected}" in workloads, (expected, workloads)
    assert secret_readers(account, roles) == [f"{PROJECT}-{ENV}-mlflow"]


def test_mlflow_keeps_its_artifacts_under_mlflow_only(account: Account, bucket_policy) -> None:
    node = account.node(role(account, "mlflow"))
    own = bucket(account)
    assert can(account, node, "s3:PutObject", f"{own}/mlflow/1/abc/artifacts/model.pkl", bucket_policy)
    assert can(account, node, "s3:DeleteObject", f"{own}/mlflow/1/abc/artifacts/model.pkl", bucket_policy)
    assert model_writes(account, node, bucket_policy) == []
    assert not can(account, node, "s3:GetObject", f"{own}/datasets/images/0001.png", bucket_policy)
    assert other_bucket_access(account, node) == []


def test_a_training_role_reading_secrets_would_be_flagged(account: Account) -> None:
    """The broken copy: training with secretsmanager:GetSecretValue on every secret and the
    key without the S3-only condition."""
    broken = copy.deepcopy(inline(account, role(account, "training")))
    broken["Statement"].append({"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"})
    for statement in broken["Statement"]:
        if statement.get("Sid") == "BucketKeyThroughS3":
            statement.pop("Condition")
    boundary = account.roles[role(account, "training")]["PermissionsBoundary"]["PermissionsBoundaryArn"]
    node = account.synthetic_node(f"{PROJECT}-{ENV}-training-broken", [broken], boundary)
    assert secret_readers(account, {"training-broken": node}) == ["training-broken"]
