# Replace the placeholders (account 111111111111, example-org/mlops-platform
# and its ids)
# before the one-time apply; see README.md.
region      = "us-east-1"
account_id  = "111111111111"
github_org  = "example-org"
github_repo = "mlops-platform"
# GitHub's numeric ids of the repository and its owner, pinned in every OIDC
# subject: gh api repos/ORG/REPO --jq .id,.owner.id (docs/setup.md).
github_repository_id       = "1296269"
github_repository_owner_id = "583231"

environments      = ["dev", "stage", "prod"]
state_bucket_name = "mlops-platform-tfstate-111111111111"

# Who applies this root (and alone may write its state, administer the state key
# and delete old state versions). Use a dedicated administrator role.
break_glass_principal_arns = ["arn:aws:iam::111111111111:role/platform-admin"]

tags = {
  Owner = "platform-team"
}
