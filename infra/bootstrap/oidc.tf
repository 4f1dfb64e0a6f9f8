locals {
  # Built as a literal string (not the provider resource's ARN) so that static
  # analysis (checkov CKV_AWS_358/393) can recognise the GitHub principal in the
  # roles' trust policies (modules/ci-roles).
  github_oidc_provider_arn = "arn:aws:iam::${var.account_id}:oidc-provider/token.actions.githubusercontent.com"

  state_prefixes = concat(var.environments, ["bootstrap"])

  # Each environment's account: its own (account per environment) or this one.
  environment_account = { for e in var.environments : e => lookup(var.environment_account_ids, e, var.account_id) }
  # Environments whose roles this root creates; the others' are created by
  # infra/bootstrap/account in their own account.
  local_environments  = [for e in var.environments : e if local.environment_account[e] == var.account_id]
  remote_environments = [for e in var.environments : e if local.environment_account[e] != var.account_id]

  apply_role_arn = { for e in var.environments : e => "arn:aws:iam::${local.environment_account[e]}:role/${var.project}-gha-apply-${e}" }
  plan_role_arn  = { for e in var.environments : e => "arn:aws:iam::${local.environment_account[e]}:role/${var.project}-gha-plan-${e}" }
  boundary_arn   = { for e in var.environments : e => "arn:aws:iam::${local.environment_account[e]}:policy/${var.project}-boundary-${e}" }
}

################################################################################
# GitHub Actions OIDC provider
################################################################################

# No thumbprint_list: since 2023 AWS validates token.actions.githubusercontent.com
# against its own trusted CA library; the argument is optional.
resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]

  tags = { Name = "github-actions" }
}
