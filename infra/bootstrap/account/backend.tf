# State in the state account's bucket, under bootstrap/ (written only by the
# break-glass principals). One key per environment account, given at init:
#   terraform init -backend-config=key=bootstrap/accounts/prod/terraform.tfstate
# Backend blocks cannot use variables: replace 111111111111 with the state account.
terraform {
  backend "s3" {
    bucket       = "mlops-platform-tfstate-111111111111"
    region       = "us-east-1"
    encrypt      = true
    use_lockfile = true
    kms_key_id   = "arn:aws:kms:us-east-1:111111111111:alias/mlops-tfstate"
  }
}
