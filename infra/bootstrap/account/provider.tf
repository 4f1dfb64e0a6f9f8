# Run as a break-glass principal of the state account (it writes the state);
# the roles are created in the environment's account through admin_role_arn
# (e.g. OrganizationAccountAccessRole), and nowhere else.
provider "aws" {
  region              = var.region
  allowed_account_ids = [var.account_id]

  assume_role {
    role_arn     = var.admin_role_arn
    session_name = "mlops-bootstrap-account"
  }

  default_tags {
    tags = merge(var.tags, {
      Project     = var.project
      Environment = var.environment
      ManagedBy   = "terraform"
      Repository  = "${var.github_org}/${var.github_repo}"
    })
  }
}
