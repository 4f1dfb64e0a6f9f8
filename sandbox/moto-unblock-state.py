"""Make the state bucket usable as a Terraform backend inside moto.

Run with a python that has boto3 ($MOTO_PYTHON), after applying infra/bootstrap
into moto and before any `terraform init` against the S3 backend:

    AWS_ENDPOINT_URL=http://127.0.0.1:PORT $MOTO_PYTHON sandbox/moto-unblock-state.py BUCKET

Why: the state bucket policy denies every request with aws:SecureTransport=false
(TLS only), and writes by anyone but a prefix's apply role (aws:PrincipalArn).
moto 5.2.5 evaluates bucket policies on object requests but ignores those
conditions, so the statements become unconditional denies and every state
read/write returns 403. (scripts/iam-test evaluates the policy itself with
principalmapper.) This removes the policy from moto only; the
policy itself is still planned and applied by Terraform (and verified to exist
first). The bootstrap's later destroy treats the missing policy as already gone.
"""

import json
import sys

import boto3


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    bucket = sys.argv[1]
    s3 = boto3.client("s3")
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    sids = [s.get("Sid") for s in policy["Statement"]]
    if "DenyInsecureTransport" not in sids:
        print(f"{bucket}: expected a DenyInsecureTransport statement, found {sids}", file=sys.stderr)
        return 1
    s3.delete_bucket_policy(Bucket=bucket)
    print(f"    moto: removed the TLS-only policy of {bucket} (moto ignores its condition)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
