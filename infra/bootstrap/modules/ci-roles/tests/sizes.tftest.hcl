# IAM's size quotas, which moto does not enforce: the module's policies check
# their own size at plan time (preconditions), so a policy too large for real
# IAM stops the plan instead of the first real apply half-way. Offline, against
# a mocked aws provider (scripts/infra-test).

mock_provider "aws" {}

variables {
  project                      = "mlops"
  environment                  = "dev"
  environments                 = ["dev", "stage", "prod"]
  account_id                   = "123456789012"
  region                       = "us-east-1"
  github_org                   = "example-org"
  github_repo                  = "mlops-platform"
  github_repository_id         = "1296269"
  github_repository_owner_id   = "583231"
  main_branch                  = "main"
  apply_workflow_file          = "promote.yml"
  destroy_workflow_file        = "destroy.yml"
  plan_workflow_files          = ["pr-plan.yml", "plan.yml", "drift.yml"]
  github_oidc_provider_arn     = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  state_bucket_name            = "mlops-platform-tfstate-123456789012"
  state_access_log_bucket_name = "mlops-platform-tfstate-123456789012-access-logs"
  audit_bucket_names           = ["mlops-platform-tfstate-123456789012-cloudtrail"]
  state_kms_key_arn            = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  max_session_duration         = 3600

  cost_allocation_tags_environment = "prod"
}

run "three_environments_fit" {
  command = plan

  assert {
    condition     = length(aws_iam_policy.boundary.policy) <= 6144
    error_message = "dev's boundary is over IAM's 6,144 characters for a managed policy"
  }
  assert {
    condition     = alltrue([for p in aws_iam_policy.apply_isolation : length(p.policy) <= 6144])
    error_message = "an isolation policy of dev's apply role is over IAM's 6,144 characters"
  }
  assert {
    condition     = length(aws_iam_role_policy.apply_scoped.policy) <= 10240
    error_message = "dev's apply role's inline policy is over IAM's 10,240 characters"
  }
}

# The boundary denies every other environment's names and cluster tags, so it
# grows with the number of environments, as does the apply role's environment
# isolation policy; past IAM's limit the plan fails on them.
run "a_boundary_over_iams_limit_fails_the_plan" {
  command = plan

  variables {
    environments = ["dev", "stage", "prod", "qa", "perf", "uat", "demo", "sandbox", "load", "canary"]
  }

  expect_failures = [aws_iam_policy.boundary, aws_iam_policy.apply_isolation]
}
