variable "project" {
  description = "Project name; prefix of every IAM name (\"<project>-gha-plan-<env>\", \"<project>-<env>-*\") and the Project tag."
  type        = string
  default     = "mlops"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.project))
    error_message = "project must be 2-16 lowercase letters, digits or hyphens."
  }
}

variable "environment" {
  description = "The environment that lives in this account (one of environments)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be a lowercase name (2-10 letters/digits), e.g. prod."
  }
}

variable "environments" {
  description = "Every environment (as in infra/bootstrap): the names this environment's roles are kept away from."
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

variable "region" {
  description = "AWS region of the state bucket and the environments."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "account_id" {
  description = "The environment's own account; the provider refuses to run anywhere else."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "admin_role_arn" {
  description = "Administrator role in account_id that the break-glass principal assumes to create the roles (e.g. arn:aws:iam::222222222222:role/OrganizationAccountAccessRole)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$", var.admin_role_arn))
    error_message = "admin_role_arn must be an IAM role ARN."
  }
}

variable "state_kms_key_arn" {
  description = "ARN of the state KMS key (infra/bootstrap output state_kms_key_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.state_kms_key_arn))
    error_message = "state_kms_key_arn must be a KMS key ARN (infra/bootstrap output state_kms_key_arn)."
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
    error_message = "github_repository_id must be the repository's numeric id: run `gh api repos/ORG/REPO --jq .id` and put the number in this root's variables (the same values as infra/bootstrap)."
  }
}

variable "github_repository_owner_id" {
  description = "GitHub's numeric id of the repository's owner (`gh api repos/ORG/REPO --jq .owner.id`). A renamed or deleted organisation's name can be registered by someone else; its id cannot."
  type        = string

  validation {
    condition     = can(regex("^[1-9][0-9]{0,19}$", var.github_repository_owner_id))
    error_message = "github_repository_owner_id must be the owner's numeric id: run `gh api repos/ORG/REPO --jq .owner.id` and put the number in this root's variables (the same values as infra/bootstrap)."
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
  description = "Workflow files (in .github/workflows) whose pull-request and main-branch jobs may assume the plan role."
  type        = list(string)
  default     = ["plan.yml", "drift.yml"]

  validation {
    condition     = length(var.plan_workflow_files) > 0 && alltrue([for f in var.plan_workflow_files : can(regex("^[A-Za-z0-9._-]+\\.ya?ml$", f))])
    error_message = "plan_workflow_files must list file names such as pr-plan.yml (no path, no wildcards)."
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

variable "cost_allocation_tags_environment" {
  description = "The environment whose apply role activates the account's cost allocation tags (its terraform.tfvars sets manage_cost_allocation_tags = true); every other apply role is denied that account-wide call."
  type        = string
  default     = "prod"
}
