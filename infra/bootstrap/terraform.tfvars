# Replace the placeholders (account 111111111111, example-org/mlops-platform)
# before the one-time apply; see README.md.
region            = "us-east-1"
account_id        = "111111111111"
github_org        = "example-org"
github_repo       = "mlops-platform"
environments      = ["dev", "stage", "prod"]
state_bucket_name = "mlops-platform-tfstate-111111111111"

# Who applies this root (and alone may write its state, administer the state key
# and delete old state versions). Use a dedicated administrator role.
break_glass_principal_arns = ["arn:aws:iam::111111111111:role/platform-admin"]

tags = {
  Owner = "platform-team"
}
