# Replace the placeholders (account 111111111111, example-org/mlops-platform)
# before the one-time apply; see README.md.
region            = "us-east-1"
account_id        = "111111111111"
github_org        = "example-org"
github_repo       = "mlops-platform"
environments      = ["dev", "stage", "prod"]
state_bucket_name = "mlops-platform-tfstate-111111111111"

tags = {
  Owner = "platform-team"
}
