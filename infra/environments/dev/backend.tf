# Remote state in the bucket created by infra/bootstrap. Backend blocks cannot
# use variables: replace 111111111111 with your account ID (see infra/README.md).
# Locking uses an S3 lock object (<key>.tflock); DynamoDB is intentionally not used.
terraform {
  backend "s3" {
    bucket       = "mlops-platform-tfstate-111111111111"
    key          = "dev/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
    # State objects are encrypted with the bootstrap's customer managed key
    # (without kms_key_id, encrypt = true would mean SSE-S3).
    kms_key_id = "arn:aws:kms:us-east-1:111111111111:alias/mlops-tfstate"
  }
}
