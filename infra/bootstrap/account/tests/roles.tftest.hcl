# infra/bootstrap/account, applied offline against a mocked aws provider
# (scripts/infra-test): one environment's roles, in its own account, trusting
# that account's GitHub provider and scoped to the state in the state account.

mock_provider "aws" {}

variables {
  project                    = "mlops"
  environment                = "prod"
  region                     = "us-east-1"
  account_id                 = "333333333333"
  admin_role_arn             = "arn:aws:iam::333333333333:role/OrganizationAccountAccessRole"
  github_org                 = "example-org"
  github_repo                = "mlops-platform"
  github_repository_id       = "1296269"
  github_repository_owner_id = "583231"
  state_bucket_name          = "mlops-platform-tfstate-111111111111"
  state_kms_key_arn          = "arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"
}

run "roles_of_one_environment" {
  command = apply

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 1 && aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com"
    error_message = "the account gets its own GitHub OIDC provider"
  }
  assert {
    condition     = jsondecode(module.ci_roles.apply_role_trust_policy).Statement[0].Principal.Federated == "arn:aws:iam::333333333333:oidc-provider/token.actions.githubusercontent.com"
    error_message = "prod's apply role must trust the GitHub provider of its own account"
  }
  assert {
    condition     = contains(jsondecode(module.ci_roles.apply_role_trust_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"], "repo:example-org/mlops-platform:repository_owner_id:583231:repository_id:1296269:environment:prod:job_workflow_ref:example-org/mlops-platform/.github/workflows/promote.yml@refs/heads/main")
    error_message = "prod's apply role must be pinned to the repository and owner ids, the prod environment and promote.yml on main"
  }
}

run "wrong_state_key_is_refused" {
  command = plan

  variables {
    state_kms_key_arn = "alias/mlops-tfstate"
  }

  expect_failures = [var.state_kms_key_arn]
}

run "an_environment_named_external_is_refused" {
  command = plan

  variables {
    environment  = "external"
    environments = ["dev", "external"]
  }

  expect_failures = [var.environments]
}

run "the_account_root_needs_the_repository_id" {
  command = plan

  variables {
    github_repository_id = "0"
  }

  expect_failures = [var.github_repository_id]
}
