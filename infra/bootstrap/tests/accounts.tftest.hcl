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
  github_repository_id       = "1296269"
  github_repository_owner_id = "583231"
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
# a pull request's own copy of a workflow (its merge ref) must not: it could skip
# tfpromote and read the state with its own steps.
run "pull_request_plans_from_the_reusable_workflow_at_main_reach_the_plan_role" {
  command = plan

  assert {
    condition = contains(one([
      for s in jsondecode(module.ci_roles["dev"].plan_role_trust_policy).Statement : s
      if s.Sid == "GitHubActionsPlanPullRequests"
    ]).Condition.StringEquals["token.actions.githubusercontent.com:sub"], "repo:example-org/mlops-platform:repository_owner_id:583231:repository_id:1296269:pull_request:job_workflow_ref:example-org/mlops-platform/.github/workflows/plan.yml@refs/heads/main")
    error_message = "the reusable plan workflow at main, run for a pull request, must be able to assume the plan role"
  }
  assert {
    condition = alltrue([
      for sub in one([
        for s in jsondecode(module.ci_roles["dev"].plan_role_trust_policy).Statement : s
        if s.Sid == "GitHubActionsPlanPullRequests"
      ]).Condition.StringEquals["token.actions.githubusercontent.com:sub"] :
      endswith(sub, "@refs/heads/main") && !strcontains(sub, "*")
    ])
    error_message = "pull-request subjects name only workflows as they are on the default branch, without wildcards"
  }
  assert {
    condition = alltrue([
      for s in jsondecode(module.ci_roles["prod"].plan_role_trust_policy).Statement :
      !strcontains(jsonencode(s.Condition), "refs/pull/") && (s.Sid == "GitHubActionsPlanMergeQueue" || !contains(keys(s.Condition), "StringLike"))
    ])
    error_message = "no plan role may trust a pull request's own workflow (job_workflow_ref @refs/pull/<n>/merge); only the merge-queue subject has a wildcard"
  }
}

# GitHub's merge queue runs pr-plan.yml on merge_group, which calls plan.yml at main; the
# token's context is the queue entry's ref (ref:refs/heads/gh-readonly-queue/main/pr-<n>-<sha>).
# That run must reach the plan role, with the wildcard only over the queue entry and the
# workflow still pinned to plan.yml at main, and never the apply role.
run "merge_queue_plans_from_the_reusable_workflow_at_main_reach_the_plan_role" {
  command = plan

  assert {
    condition = one([
      for s in jsondecode(module.ci_roles["dev"].plan_role_trust_policy).Statement : s
      if s.Sid == "GitHubActionsPlanMergeQueue"
    ]).Condition.StringLike["token.actions.githubusercontent.com:sub"] == "repo:example-org/mlops-platform:repository_owner_id:583231:repository_id:1296269:ref:refs/heads/gh-readonly-queue/main/pr-*:job_workflow_ref:example-org/mlops-platform/.github/workflows/plan.yml@refs/heads/main"
    error_message = "the reusable plan workflow at main, run for a merge-queue entry, must be able to assume the plan role"
  }
  assert {
    condition = one([
      for s in jsondecode(module.ci_roles["dev"].plan_role_trust_policy).Statement : s
      if s.Sid == "GitHubActionsPlanMergeQueue"
    ]).Condition.StringEquals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    error_message = "the merge-queue statement must pin the audience"
  }
  assert {
    condition = alltrue([
      for e in ["dev", "stage", "prod"] :
      !strcontains(module.ci_roles[e].apply_role_trust_policy, "gh-readonly-queue")
    ])
    error_message = "no apply role may trust a merge-queue run: the queue only plans"
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
# Every subject of every CI role names the repository and its owner by GitHub's
# numeric ids as well as by name: a repository deleted and re-created under the
# same name (or an owner name taken over) has other ids and matches no subject.
run "every_trust_subject_pins_the_repository_and_owner_ids" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for e in ["dev", "stage", "prod"] : [
        for policy in [module.ci_roles[e].apply_role_trust_policy, module.ci_roles[e].plan_role_trust_policy] : [
          for s in jsondecode(policy).Statement : [
            for sub in flatten([
              lookup(lookup(s.Condition, "StringEquals", {}), "token.actions.githubusercontent.com:sub", []),
              lookup(lookup(s.Condition, "StringLike", {}), "token.actions.githubusercontent.com:sub", []),
            ]) : startswith(sub, "repo:example-org/mlops-platform:repository_owner_id:583231:repository_id:1296269:")
          ]
        ]
      ]
    ]))
    error_message = "every OIDC subject must start with the repository's name and its owner's and its own numeric id"
  }
  assert {
    condition = contains(one([
      for s in jsondecode(module.ci_roles["prod"].apply_role_trust_policy).Statement : s
      if s.Sid == "GitHubActionsApply"
    ]).Condition.StringEquals["token.actions.githubusercontent.com:sub"], "repo:example-org/mlops-platform:repository_owner_id:583231:repository_id:1296269:environment:prod:job_workflow_ref:example-org/mlops-platform/.github/workflows/promote.yml@refs/heads/main")
    error_message = "prod's apply role trusts promote.yml on main, in the prod environment, of this repository id only"
  }
}

run "a_repository_id_that_is_not_a_number_is_refused" {
  command = plan

  variables {
    github_repository_id = "mlops-platform"
  }

  expect_failures = [var.github_repository_id]
}

run "an_owner_id_with_a_wildcard_is_refused" {
  command = plan

  variables {
    github_repository_owner_id = "*"
  }

  expect_failures = [var.github_repository_owner_id]
}

# Environment names that are words of the bootstrap's own names: the
# environment's "<project>-<env>-*" would cover the CI roles, the boundaries,
# the trail, the analyzer or the state key's alias.
run "an_environment_named_gha_is_refused" {
  command = plan

  variables {
    environments = ["dev", "gha", "prod"]
  }

  expect_failures = [var.environments]
}

run "an_environment_named_boundary_is_refused" {
  command = plan

  variables {
    environments = ["dev", "boundary"]
  }

  expect_failures = [var.environments]
}

run "an_environment_named_account_is_refused" {
  command = plan

  variables {
    environments = ["account", "prod"]
  }

  expect_failures = [var.environments]
}

run "an_environment_named_tfstate_is_refused" {
  command = plan

  variables {
    environments = ["dev", "tfstate"]
  }

  expect_failures = [var.environments]
}
