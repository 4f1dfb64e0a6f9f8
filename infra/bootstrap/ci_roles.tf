################################################################################
# CI roles of the environments that live in this account
################################################################################

# Every environment in this account (all of them in the default single-account
# layout) gets its plan role, apply role and boundary here. An environment with its
# own account in environment_account_ids gets them from infra/bootstrap/account,
# applied in that account; this root then only grants those roles the state.
module "ci_roles" {
  source   = "./modules/ci-roles"
  for_each = toset(local.local_environments)

  project                      = var.project
  environment                  = each.key
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
  state_access_log_bucket_name = local.log_bucket_name
  audit_bucket_names           = [local.trail_bucket_name]
  state_kms_key_arn            = aws_kms_key.state.arn
  max_session_duration         = var.max_session_duration

  cost_allocation_tags_environment = var.cost_allocation_tags_environment

  depends_on = [aws_iam_openid_connect_provider.github]
}

# The apply roles and boundaries of the default environments were root resources
# before the module; these keep an existing bootstrap from replacing them. (Other
# environment names: `terraform state mv` the same way.)
moved {
  from = aws_iam_role.apply["dev"]
  to   = module.ci_roles["dev"].aws_iam_role.apply
}
moved {
  from = aws_iam_role.apply["stage"]
  to   = module.ci_roles["stage"].aws_iam_role.apply
}
moved {
  from = aws_iam_role.apply["prod"]
  to   = module.ci_roles["prod"].aws_iam_role.apply
}
moved {
  from = aws_iam_role_policy_attachment.apply_power_user["dev"]
  to   = module.ci_roles["dev"].aws_iam_role_policy_attachment.apply_power_user
}
moved {
  from = aws_iam_role_policy_attachment.apply_power_user["stage"]
  to   = module.ci_roles["stage"].aws_iam_role_policy_attachment.apply_power_user
}
moved {
  from = aws_iam_role_policy_attachment.apply_power_user["prod"]
  to   = module.ci_roles["prod"].aws_iam_role_policy_attachment.apply_power_user
}
moved {
  from = aws_iam_role_policy.apply_scoped["dev"]
  to   = module.ci_roles["dev"].aws_iam_role_policy.apply_scoped
}
moved {
  from = aws_iam_role_policy.apply_scoped["stage"]
  to   = module.ci_roles["stage"].aws_iam_role_policy.apply_scoped
}
moved {
  from = aws_iam_role_policy.apply_scoped["prod"]
  to   = module.ci_roles["prod"].aws_iam_role_policy.apply_scoped
}
moved {
  from = aws_iam_policy.boundary["dev"]
  to   = module.ci_roles["dev"].aws_iam_policy.boundary
}
moved {
  from = aws_iam_policy.boundary["stage"]
  to   = module.ci_roles["stage"].aws_iam_policy.boundary
}
moved {
  from = aws_iam_policy.boundary["prod"]
  to   = module.ci_roles["prod"].aws_iam_policy.boundary
}
