# Sandbox values for infra/bootstrap against a local moto server
# (used by scripts/infra-test and the tfpromote sandbox; never by real CI).
account_id        = "123456789012"
state_bucket_name = "mlops-platform-tfstate-123456789012"
s3_use_path_style = true
# moto's default identity (what its test credentials are).
break_glass_principal_arns = ["arn:aws:iam::123456789012:user/moto"]
# moto has no IAM Access Analyzer.
create_access_analyzer = false
# The ids the GitHub stand-in gives the repository it serves (its OIDC tokens
# carry them in the subject).
github_repository_id       = "1296269"
github_repository_owner_id = "583231"
