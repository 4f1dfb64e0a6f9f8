output "state_bucket_name" {
  description = "Name of the Terraform state bucket (the literal in every backend.tf)."
  value       = aws_s3_bucket.state.id
}

output "state_bucket_arn" {
  description = "ARN of the Terraform state bucket."
  value       = aws_s3_bucket.state.arn
}

output "state_access_log_bucket_name" {
  description = "Bucket receiving the state bucket's server access logs."
  value       = module.state_access_logs.id
}

output "state_kms_key_arn" {
  description = "ARN of the KMS key encrypting the state bucket."
  value       = aws_kms_key.state.arn
}

output "github_oidc_provider_arn" {
  description = "ARN of the GitHub Actions OIDC provider trusted by the CI roles."
  value       = local.github_oidc_provider_arn
}

output "plan_role_arns" {
  description = "Plan role per environment (pull requests and the main branch; reads only that environment's state) - tfpromote.yaml plan_role."
  value       = local.plan_role_arn
}

output "apply_role_arns" {
  description = "Apply role per environment - tfpromote.yaml apply_role."
  value       = local.apply_role_arn
}

output "backend_config" {
  description = "S3 backend settings per environment (and this root), matching the backend.tf files."
  value = {
    for p in local.state_prefixes : p => {
      bucket       = aws_s3_bucket.state.id
      key          = "${p}/terraform.tfstate"
      region       = var.region
      encrypt      = true
      use_lockfile = true
    }
  }
}

output "permissions_boundary_arns" {
  description = "Permissions boundary per environment: every role the environment creates must carry it (the environments' permissions_boundary input)."
  value       = local.boundary_arn
}

output "environment_accounts" {
  description = "Account of each environment; roles of environments outside this account are created by infra/bootstrap/account there (the ARNs above are where they will be)."
  value       = local.environment_account
}

output "account_trail_bucket_name" {
  description = "Bucket of the account CloudTrail trail (out of every CI role's reach)."
  value       = module.trail_bucket.id
}
