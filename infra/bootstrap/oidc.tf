locals {
  repo = "${var.github_org}/${var.github_repo}"

  # Built as a literal string (not the provider resource's ARN) so that static
  # analysis (checkov CKV_AWS_358/393) can recognise the GitHub principal and
  # check the sub conditions below.
  github_oidc_provider_arn = "arn:aws:iam::${var.account_id}:oidc-provider/token.actions.githubusercontent.com"

  state_bucket_arn = "arn:aws:s3:::${var.state_bucket_name}"
  state_prefixes   = concat(var.environments, ["bootstrap"])

  plan_role_name  = { for e in var.environments : e => "${var.project}-gha-plan-${e}" }
  apply_role_name = { for e in var.environments : e => "${var.project}-gha-apply-${e}" }
  apply_role_arn  = { for e, n in local.apply_role_name : e => "arn:aws:iam::${var.account_id}:role/${n}" }
  plan_role_arn   = { for e, n in local.plan_role_name : e => "arn:aws:iam::${var.account_id}:role/${n}" }

  # OIDC subjects. The repository's subject template (set by `tfpromote github-setup`)
  # is ["repo", "context", "job_workflow_ref"], so a token names the repository, the
  # environment or event, and the workflow file with the ref it ran from. Pinning the
  # workflow file and `refs/heads/<main>` means a workflow on another branch or in
  # another file cannot assume an apply role, even if the GitHub environment's branch
  # policy is misconfigured.
  workflow_ref_prefix = "${local.repo}/.github/workflows"
  apply_subjects = {
    for e in var.environments : e => [
      for wf in [var.apply_workflow_file, var.destroy_workflow_file] :
      "repo:${var.github_org}/${var.github_repo}:environment:${e}:job_workflow_ref:${local.workflow_ref_prefix}/${wf}@refs/heads/${var.main_branch}"
    ]
  }
  # A pull request's token carries its merge ref (refs/pull/<number>/merge), so that
  # one path segment is a wildcard (StringLike in plan_role.tf); the workflow file
  # is fixed. The plan role is read-only, because a pull request can change the
  # workflow file it runs.
  plan_subjects_main = [
    for wf in var.plan_workflow_files :
    "repo:${var.github_org}/${var.github_repo}:ref:refs/heads/${var.main_branch}:job_workflow_ref:${local.workflow_ref_prefix}/${wf}@refs/heads/${var.main_branch}"
  ]
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
