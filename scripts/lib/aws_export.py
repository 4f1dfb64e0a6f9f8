"""What scripts/iam-test reads out of moto for the IAM analysis: a bucket policy, a KMS
key policy, and an account's `get-account-authorization-details` (all pages merged into
one document, the shape principalmapper and tests/iam read), optionally of another
account through a role assumed there.

    $IAM_PYTHON scripts/lib/aws_export.py bucket-policy BUCKET OUT
    $IAM_PYTHON scripts/lib/aws_export.py key-policy ALIAS OUT
    $IAM_PYTHON scripts/lib/aws_export.py authorization-details OUT [ROLE_ARN]
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any


def merge_pages(pages: Iterable[dict[str, Any]]) -> dict[str, list]:
    """One document from the pages of get-account-authorization-details: the lists of
    every page joined (the markers and flags of each page are left out)."""
    merged: dict[str, list] = {}
    for page in pages:
        for key, value in page.items():
            if isinstance(value, list):
                merged.setdefault(key, []).extend(value)
    return merged


def describe(merged: dict[str, list]) -> str:
    return (
        f"{len(merged.get('RoleDetailList', []))} roles, "
        f"{len(merged.get('Policies', []))} managed policies"
    )


def _client(service: str, role_arn: str | None = None) -> Any:  # pragma: no cover - moto
    import boto3

    if role_arn is None:
        return boto3.client(service)
    creds = boto3.client("sts").assume_role(RoleArn=role_arn, RoleSessionName="iam-test")[
        "Credentials"
    ]
    return boto3.client(
        service,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)


def main(argv: list[str]) -> int:  # pragma: no cover - moto; merge_pages is tested
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command == "bucket-policy" and len(args) == 2:
        _write(args[1], _client("s3").get_bucket_policy(Bucket=args[0])["Policy"])
    elif command == "key-policy" and len(args) == 2:
        kms = _client("kms")
        key = kms.describe_key(KeyId=args[0])["KeyMetadata"]["KeyId"]
        _write(args[1], kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    elif command == "authorization-details" and len(args) in (1, 2):
        iam = _client("iam", args[1] if len(args) == 2 else None)
        pages = iam.get_paginator("get_account_authorization_details").paginate()
        merged = merge_pages(pages)
        _write(args[0], json.dumps(merged, indent=1, default=str))
        print(f"    {describe(merged)}")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
