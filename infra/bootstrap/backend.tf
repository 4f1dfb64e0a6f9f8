# The bootstrap root creates the state bucket, so its very first apply runs with
# local state (see README.md: a temporary backend_override.tf), after which
# `terraform init -migrate-state` moves the state here. Backend blocks cannot use
# variables: replace 111111111111 with your account ID.
terraform {
  backend "s3" {
    bucket       = "mlops-platform-tfstate-111111111111"
    key          = "bootstrap/terraform.tfstate"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
    # State objects are encrypted with the bootstrap's customer managed key
    # (without kms_key_id, encrypt = true would mean SSE-S3).
    kms_key_id = "arn:aws:kms:us-east-1:111111111111:alias/mlops-tfstate"
  }
}
