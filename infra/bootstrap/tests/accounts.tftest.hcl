# The two layouts of the bootstrap, planned offline against a mocked
# aws provider (scripts/infra-test; plan only: the state key has prevent_destroy);
# the policies are built by Terraform itself,
# and the assertions read them back as JSON.

mock_provider "aws" {}

# The state bucket and key as they would be after apply, so the policies that
# name them are known at plan time.
override_resource {
  target          = aws_s3_bucket.state
  override_during = plan
  values = {
    arn = "arn:aws:s3:::mlops-platform-tfstate-111111111111"
    id  = "mlops-platform-tfstate-111111111111"
  }
}

override_resource {
  target          = aws_kms_key.state
  override_during = plan
  values = {
    arn    = "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"
    key_id = "00000000-0000-0000-0000-000000000000"
  }
}

override_resource {
  target          = aws_kms_alias.state
  override_during = plan
  values = {
    arn = "arn:aws:kms:us-east-1:111111111111:alias/mlops-tfstate"
  }
}

variables {
  region                     = "us-east-1"
  account_id                 = "111111111111"
  github_org                 = "example-org"
  github_repo                = "mlops-platform"
  state_bucket_name          = "mlops-platform-tfstate-111111111111"
  break_glass_principal_arns = ["arn:aws:iam::111111111111:role/platform-admin"]
}

run "single_account_layout_is_the_default" {
  command = plan

  assert {
    condition     = toset(keys(module.ci_roles)) == toset(["dev", "stage", "prod"])
    error_message = "every environment's roles belong in the state account by default"
  }
  assert {
    condition     = output.apply_role_arns["prod"] == "arn:aws:iam::111111111111:role/mlops-gha-apply-prod"
    error_message = "prod's apply role should be in the state account"
  }
  assert {
    condition     = length([for s in jsondecode(aws_s3_bucket_policy.state.policy).Statement : s if startswith(s.Sid, "CrossAccount")]) == 0
    error_message = "no cross-account grants in the single-account layout"
  }
}

run "prod_in_its_own_account" {
  command = plan

  variables {
    environment_account_ids = { prod = "333333333333" }
  }

  assert {
    condition     = toset(keys(module.ci_roles)) == toset(["dev", "stage"])
    error_message = "prod's roles are created by infra/bootstrap/account in its own account, not here"
  }
  assert {
    condition     = output.apply_role_arns["prod"] == "arn:aws:iam::333333333333:role/mlops-gha-apply-prod" && output.plan_role_arns["prod"] == "arn:aws:iam::333333333333:role/mlops-gha-plan-prod"
    error_message = "prod's role ARNs should name its own account"
  }

  # The bucket grants prod's roles (through their account, narrowed to the role)
  # exactly prod's state, and the per-prefix denies name prod's apply role there.
  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.state.policy).Statement : s
      if s.Sid == "CrossAccountApplyProdState"
      ]).Condition.ArnEquals["aws:PrincipalArn"] == "arn:aws:iam::333333333333:role/mlops-gha-apply-prod" && one([
      for s in jsondecode(aws_s3_bucket_policy.state.policy).Statement : s
      if s.Sid == "CrossAccountApplyProdState"
    ]).Principal.AWS == "arn:aws:iam::333333333333:root"
    error_message = "the bucket should grant prod's apply role in 333333333333 its state"
  }
  assert {
    condition = one([
      for s in jsondecode(aws_s3_bucket_policy.state.policy).Statement : s
      if s.Sid == "CrossAccountPlanProdState"
    ]).Resource == "arn:aws:s3:::mlops-platform-tfstate-111111111111/prod/terraform.tfstate"
    error_message = "prod's plan role should be granted only prod's state object"
  }
  assert {
    condition = contains(one([
      for s in jsondecode(aws_s3_bucket_policy.state.policy).Statement : s
      if s.Sid == "OnlyOwnerWritesProdState"
    ]).Condition.ArnNotEquals["aws:PrincipalArn"], "arn:aws:iam::333333333333:role/mlops-gha-apply-prod")
    error_message = "only prod's apply role (in its account) may write prod/"
  }
  assert {
    condition     = length([for s in jsondecode(aws_s3_bucket_policy.state.policy).Statement : s if s.Sid == "CrossAccountApplyDevState"]) == 0
    error_message = "dev stays in the state account: no cross-account grant"
  }
  assert {
    condition = one([
      for s in jsondecode(aws_kms_key_policy.state.policy).Statement : s
      if s.Sid == "CrossAccountRolesUseKeyProd"
    ]).Condition.ArnEquals["aws:PrincipalArn"] == ["arn:aws:iam::333333333333:role/mlops-gha-apply-prod", "arn:aws:iam::333333333333:role/mlops-gha-plan-prod"]
    error_message = "the state key should let prod's roles in 333333333333 use it"
  }
}

# pr-plan.yml calls the reusable plan.yml at main: that job's token names
# plan.yml@refs/heads/main with the pull_request event, and must reach the plan role;
# a pull request's own workflow still names its merge ref.
run "pull_request_plans_from_the_reusable_workflow_at_main_reach_the_plan_role" {
  command = plan

  assert {
    condition = contains(one([
      for s in jsondecode(module.ci_roles["dev"].plan_role_trust_policy).Statement : s
      if s.Sid == "GitHubActionsPlanPullRequests"
    ]).Condition.StringLike["token.actions.githubusercontent.com:sub"], "repo:example-org/mlops-platform:pull_request:job_workflow_ref:example-org/mlops-platform/.github/workflows/plan.yml@refs/heads/main")
    error_message = "the reusable plan workflow at main, run for a pull request, must be able to assume the plan role"
  }
  assert {
    condition = alltrue([
      for sub in one([
        for s in jsondecode(module.ci_roles["dev"].plan_role_trust_policy).Statement : s
        if s.Sid == "GitHubActionsPlanPullRequests"
      ]).Condition.StringLike["token.actions.githubusercontent.com:sub"] :
      endswith(sub, "@refs/pull/*/merge") || endswith(sub, "@refs/heads/main")
    ])
    error_message = "pull-request subjects name either the pull request's merge ref or the default branch, nothing else"
  }
}

run "unknown_environment_in_account_map_is_refused" {
  command = plan

  variables {
    environment_account_ids = { qa = "333333333333" }
  }

  expect_failures = [var.environment_account_ids]
}

# An environment is everything named "<project>-<env>-*": one named gha would own
# the CI roles, one named boundary the permissions boundaries.
run "environment_names_that_collide_with_ci_names_are_refused" {
  command = plan

  variables {
    environments = ["dev", "gha", "boundary"]
  }

  expect_failures = [var.environments]
}
