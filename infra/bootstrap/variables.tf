variable "project" {
  description = "Project name; prefix of every IAM name (\"<project>-gha-plan-<env>\", \"<project>-<env>-*\") and the Project tag."
  type        = string
  default     = "mlops"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.project))
    error_message = "project must be 2-16 lowercase letters, digits or hyphens."
  }
}

variable "region" {
  description = "AWS region of the state bucket and the environments."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "account_id" {
  description = "AWS account ID; the provider refuses to run against any other account."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "github_org" {
  description = "GitHub organisation or user that owns the repository (the ORG in repo:ORG/REPO)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}$", var.github_org))
    error_message = "github_org must be a GitHub owner name (letters, digits, hyphens; no wildcards)."
  }
}

variable "github_repo" {
  description = "GitHub repository name (the REPO in repo:ORG/REPO)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{1,100}$", var.github_repo))
    error_message = "github_repo must be a GitHub repository name (no wildcards)."
  }
}

variable "github_repository_id" {
  description = "GitHub's numeric id of the repository (`gh api repos/ORG/REPO --jq .id`). Every CI role's OIDC subject pins it, with the owner's id: a repository deleted and re-created under the same name (by anyone who then holds the name) gets a new id, so its workflows match no trust policy."
  type        = string

  validation {
    condition     = can(regex("^[1-9][0-9]{0,19}$", var.github_repository_id))
    error_message = "github_repository_id must be the repository's numeric id: run `gh api repos/ORG/REPO --jq .id` and put the number in terraform.tfvars."
  }
}

variable "github_repository_owner_id" {
  description = "GitHub's numeric id of the repository's owner (`gh api repos/ORG/REPO --jq .owner.id`). A renamed or deleted organisation's name can be registered by someone else; its id cannot."
  type        = string

  validation {
    condition     = can(regex("^[1-9][0-9]{0,19}$", var.github_repository_owner_id))
    error_message = "github_repository_owner_id must be the owner's numeric id: run `gh api repos/ORG/REPO --jq .owner.id` and put the number in terraform.tfvars."
  }
}

variable "main_branch" {
  description = "Branch whose push runs may use the plan role (besides pull requests)."
  type        = string
  default     = "main"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]+$", var.main_branch))
    error_message = "main_branch must be a plain branch name (no wildcards)."
  }
}

variable "apply_workflow_file" {
  description = "Workflow file (in .github/workflows) whose jobs on the main branch may assume the apply roles."
  type        = string
  default     = "promote.yml"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+\\.ya?ml$", var.apply_workflow_file))
    error_message = "apply_workflow_file must be a file name such as promote.yml (no path, no wildcards)."
  }
}

variable "destroy_workflow_file" {
  description = "Workflow file (in .github/workflows) whose jobs on the main branch may assume the apply roles to destroy."
  type        = string
  default     = "destroy.yml"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+\\.ya?ml$", var.destroy_workflow_file))
    error_message = "destroy_workflow_file must be a file name such as destroy.yml (no path, no wildcards)."
  }
}

variable "plan_workflow_files" {
  # Not pr-plan.yml: its one role-assuming job calls plan.yml, so the token names plan.yml;
  # each extra file costs about 375 characters of the plan role's 2,048-character trust policy.
  description = "Workflow files (in .github/workflows) whose pull-request and main-branch jobs may assume the plan role."
  type        = list(string)
  default     = ["plan.yml", "drift.yml"]

  validation {
    condition     = length(var.plan_workflow_files) > 0 && alltrue([for f in var.plan_workflow_files : can(regex("^[A-Za-z0-9._-]+\\.ya?ml$", f))])
    error_message = "plan_workflow_files must list file names such as pr-plan.yml (no path, no wildcards)."
  }
}

variable "break_glass_principal_arns" {
  description = "IAM principals (the administrators who apply this bootstrap) that alone may write the bootstrap state, administer the state KMS key and bypass the state bucket's per-environment write rules."
  type        = list(string)

  validation {
    condition     = length(var.break_glass_principal_arns) > 0 && alltrue([for a in var.break_glass_principal_arns : can(regex("^arn:aws[a-z-]*:(iam::[0-9]{12}:(role|user)/[A-Za-z0-9+=,.@_/-]+|sts::[0-9]{12}:assumed-role/[A-Za-z0-9+=,.@_-]+/[A-Za-z0-9+=,.@_-]+)$", a))])
    error_message = "break_glass_principal_arns must list at least one IAM role or user ARN (no wildcards), e.g. arn:aws:iam::111111111111:role/platform-admin."
  }
}

variable "environments" {
  description = "Environments that get an apply role and a state prefix (\"<env>/terraform.tfstate\"), in promotion order."
  type        = list(string)
  default     = ["dev", "stage", "prod"]

  validation {
    condition     = length(var.environments) > 0 && alltrue([for e in var.environments : can(regex("^[a-z][a-z0-9]{1,9}$", e))]) && length(distinct(var.environments)) == length(var.environments)
    error_message = "environments must be distinct lowercase names (2-10 letters/digits), e.g. dev, stage, prod."
  }

  validation {
    # "<project>-<env>-*" is everything an environment may manage (and
    # "<project>-*-<env>-*" its buckets): an environment named gha would own the
    # CI roles (<project>-gha-*), boundary the boundaries (<project>-boundary-*),
    # bootstrap the bootstrap's state prefix, account the account trail and its
    # key alias (<project>-account-trail), external the access analyzer
    # (<project>-external-access), tfstate the state key's alias and the state
    # and audit buckets (<project>-platform-tfstate-*). The same list is in
    # tfpromote's environment names (src/config/values.rs).
    condition     = length(setintersection(toset(var.environments), toset(["gha", "boundary", "bootstrap", "account", "external", "tfstate"]))) == 0
    error_message = "environments may not be named gha, boundary, bootstrap, account, external or tfstate: those names belong to the bootstrap (<project>-gha-* CI roles, <project>-boundary-* boundaries, the bootstrap/ state prefix, the <project>-account-trail trail, the <project>-external-access analyzer, the alias/<project>-tfstate key and *-tfstate-* buckets). Rename the environment, e.g. to prod2."
  }
}

variable "environment_account_ids" {
  description = "Account per environment (AWS's recommended layout): environment => 12-digit account ID. Environments not listed live in account_id (the default single-account layout). This root then creates only the roles of environments in account_id; apply infra/bootstrap/account in each other account."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for e, a in var.environment_account_ids : can(regex("^[0-9]{12}$", a))])
    error_message = "environment_account_ids values must be 12-digit account IDs."
  }

  validation {
    condition     = alltrue([for e in keys(var.environment_account_ids) : contains(var.environments, e)])
    error_message = "environment_account_ids may only name environments listed in environments."
  }
}

variable "state_bucket_name" {
  description = "Name of the Terraform state bucket (must equal the literal in every backend.tf)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,49}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be a valid S3 bucket name of at most 51 characters (\"-access-logs\" is appended for the log bucket)."
  }
}

variable "state_noncurrent_version_expiration_days" {
  description = "Days old state versions are kept before they expire."
  type        = number
  default     = 90

  validation {
    condition     = var.state_noncurrent_version_expiration_days >= 30
    error_message = "Keep old state versions at least 30 days."
  }
}

variable "access_log_retention_days" {
  description = "Days the state bucket's server access logs are kept."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_retention_days >= 90
    error_message = "Keep state access logs at least 90 days."
  }
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the state KMS key is deleted after destroy."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_in_days >= 7 && var.kms_deletion_window_in_days <= 30
    error_message = "kms_deletion_window_in_days must be between 7 and 30."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the GitHub Actions OIDC provider. Set false when the account already has one (IAM allows only one per URL)."
  type        = bool
  default     = true
}

variable "max_session_duration" {
  description = "Maximum session duration of the CI roles, in seconds."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 900 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 900 and 43200 seconds."
  }
}

variable "tags" {
  description = "Extra default tags (e.g. Owner)."
  type        = map(string)
  default     = {}
}

variable "s3_use_path_style" {
  description = "Use path-style S3 addressing (only for S3-compatible sandboxes such as moto)."
  type        = bool
  default     = false
}

variable "trail_retention_days" {
  description = "Days the account trail's log files are kept."
  type        = number
  default     = 365

  validation {
    condition     = var.trail_retention_days >= 90
    error_message = "Keep the account trail at least 90 days."
  }
}

variable "create_access_analyzer" {
  description = "Create the account's IAM Access Analyzer (external access). The sandbox turns it off: moto has no Access Analyzer."
  type        = bool
  default     = true
}

variable "cost_allocation_tags_environment" {
  description = "The environment whose apply role activates the account's cost allocation tags (its terraform.tfvars sets manage_cost_allocation_tags = true); every other apply role is denied that account-wide call."
  type        = string
  default     = "prod"
}
