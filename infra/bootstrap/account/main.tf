# The CI identities of one environment in its own AWS account (the
# account-per-environment layout; see ../README.md). infra/bootstrap, in the
# state account, keeps the state bucket and key and grants these roles their
# environment's state; this root creates the roles themselves, with the same
# module the single-account layout uses.

locals {
  # Literal ARN, as in infra/bootstrap: checkov recognises the GitHub principal.
  github_oidc_provider_arn = "arn:aws:iam::${var.account_id}:oidc-provider/token.actions.githubusercontent.com"
}

# IAM allows one provider per URL and account; set create_github_oidc_provider =
# false if this account has one already.
resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]

  tags = { Name = "github-actions" }
}

module "ci_roles" {
  source = "../modules/ci-roles"

  project                      = var.project
  environment                  = var.environment
  environments                 = var.environments
  account_id                   = var.account_id
  region                       = var.region
  github_org                   = var.github_org
  github_repo                  = var.github_repo
  github_repository_id         = var.github_repository_id
  github_repository_owner_id   = var.github_repository_owner_id
  main_branch                  = var.main_branch
  apply_workflow_file          = var.apply_workflow_file
  destroy_workflow_file        = var.destroy_workflow_file
  plan_workflow_files          = var.plan_workflow_files
  github_oidc_provider_arn     = local.github_oidc_provider_arn
  state_bucket_name            = var.state_bucket_name
  state_access_log_bucket_name = "${var.state_bucket_name}-access-logs"
  state_kms_key_arn            = var.state_kms_key_arn
  max_session_duration         = var.max_session_duration

  cost_allocation_tags_environment = var.cost_allocation_tags_environment

  depends_on = [aws_iam_openid_connect_provider.github]
}
