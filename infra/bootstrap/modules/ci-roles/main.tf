# The CI identities of one environment, in the account the calling root's aws
# provider points at: its plan role, its apply role and the permissions boundary
# of every role the environment creates. Called by infra/bootstrap for every
# environment that lives in the state account (the single-account layout), and
# by infra/bootstrap/account once per environment that has its own account.
# The state bucket and key always live in the bootstrap's account.

locals {
  repo = "${var.github_org}/${var.github_repo}"

  state_bucket_arn = "arn:aws:s3:::${var.state_bucket_name}"
  # The state bucket's access logs and the account trail's bucket, with their
  # objects: out of reach of every CI role and every role an environment creates.
  audit_bucket_arns = flatten([
    for b in concat([var.state_access_log_bucket_name], var.audit_bucket_names) : ["arn:aws:s3:::${b}", "arn:aws:s3:::${b}/*"]
  ])
  # Account roots keep their state under bootstrap/accounts/, so "bootstrap"
  # covers them too.
  state_prefixes = concat(var.environments, ["bootstrap"])

  plan_role_name  = { for e in var.environments : e => "${var.project}-gha-plan-${e}" }
  apply_role_name = { for e in var.environments : e => "${var.project}-gha-apply-${e}" }

  # OIDC subjects. The repository's subject template (set by `tfpromote github-setup`)
  # is ["repo", "repository_owner_id", "repository_id", "context", "job_workflow_ref"],
  # so a token names the repository by name and by GitHub's numeric ids, the
  # environment or event, and the workflow file with the ref it ran from. AWS matches
  # no GitHub claim but `sub` (and `aud`), so the ids have to be in it. Names can be
  # taken over (a repository deleted and re-created under the same name, an owner
  # renamed and its old name registered by someone else); the ids cannot. Pinning the
  # workflow file and `refs/heads/<main>` means a workflow on another branch or in
  # another file cannot assume an apply role, even if the GitHub environment's branch
  # policy is misconfigured. The one wildcard is the merge-queue entry's branch in a
  # plan role's subject, before the pinned workflow; a pull request reaches a plan
  # role only through a workflow as it is on the default branch (plan_role.tf).
  subject_repo        = "repo:${local.repo}:repository_owner_id:${var.github_repository_owner_id}:repository_id:${var.github_repository_id}"
  workflow_ref_prefix = "${local.repo}/.github/workflows"
  apply_subjects = {
    for e in var.environments : e => [
      for wf in [var.apply_workflow_file, var.destroy_workflow_file] :
      "${local.subject_repo}:environment:${e}:job_workflow_ref:${local.workflow_ref_prefix}/${wf}@refs/heads/${var.main_branch}"
    ]
  }
  # Outside pull requests, the plan workflows on the default branch (drift).
  plan_subjects_main = [
    for wf in var.plan_workflow_files :
    "${local.subject_repo}:ref:refs/heads/${var.main_branch}:job_workflow_ref:${local.workflow_ref_prefix}/${wf}@refs/heads/${var.main_branch}"
  ]
}

# IAM's size quotas ("IAM and AWS STS quotas" in the IAM User Guide), in
# characters without white space (jsonencode writes none, so its length is an
# upper bound). moto enforces none of them; a policy over one fails only on
# real AWS, so the policies check themselves at plan time (preconditions) and
# tests/iam/test_quotas.py measures what was applied.
locals {
  iam_managed_policy_chars       = 6144
  iam_role_inline_policies_chars = 10240
  iam_role_trust_policy_chars    = 2048
}
