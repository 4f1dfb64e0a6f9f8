variable "project" {
  description = "Project name; prefix of every IAM name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.project))
    error_message = "project must be 2-16 lowercase letters, digits or hyphens."
  }
}

variable "environment" {
  description = "The environment whose roles and boundary this creates."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.environment))
    error_message = "environment must be a lowercase name (2-10 letters/digits), e.g. dev."
  }
}

variable "environments" {
  description = "Every environment (in any account): the names this environment's roles are kept away from."
  type        = list(string)

  validation {
    condition     = length(var.environments) > 0 && alltrue([for e in var.environments : can(regex("^[a-z][a-z0-9]{1,9}$", e))])
    error_message = "environments must be lowercase names (2-10 letters/digits)."
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

variable "account_id" {
  description = "Account the roles are created in (the caller's aws provider must point at it)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "region" {
  description = "Region of the environment (EKS IRSA provider ARNs)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "github_org" {
  description = "GitHub owner of the repository (repo:ORG/REPO)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}$", var.github_org))
    error_message = "github_org must be a GitHub owner name (no wildcards)."
  }
}

variable "github_repo" {
  description = "GitHub repository name (repo:ORG/REPO)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,100}$", var.github_repo))
    error_message = "github_repo must be a repository name (no wildcards)."
  }
}

variable "github_repository_id" {
  description = "GitHub's numeric id of the repository (gh api repos/OWNER/REPO --jq .id). Pinned in every OIDC subject: a repository deleted and re-created under the same name gets a new id."
  type        = string

  validation {
    condition     = can(regex("^[1-9][0-9]{0,19}$", var.github_repository_id))
    error_message = "github_repository_id must be the repository's numeric id (gh api repos/OWNER/REPO --jq .id)."
  }
}

variable "github_repository_owner_id" {
  description = "GitHub's numeric id of the repository's owner (gh api repos/OWNER/REPO --jq .owner.id). Pinned in every OIDC subject: an owner name can be released and taken by someone else, its id cannot."
  type        = string

  validation {
    condition     = can(regex("^[1-9][0-9]{0,19}$", var.github_repository_owner_id))
    error_message = "github_repository_owner_id must be the owner's numeric id (gh api repos/OWNER/REPO --jq .owner.id)."
  }
}

variable "main_branch" {
  description = "The only branch whose runs may assume the apply role (and the plan role outside pull requests)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]+$", var.main_branch))
    error_message = "main_branch must be a branch name without wildcards."
  }
}

variable "apply_workflow_file" {
  description = "Workflow file allowed to assume the apply role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+\\.ya?ml$", var.apply_workflow_file))
    error_message = "apply_workflow_file must be a file name such as promote.yml."
  }
}

variable "destroy_workflow_file" {
  description = "Workflow file allowed to assume the apply role to destroy."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+\\.ya?ml$", var.destroy_workflow_file))
    error_message = "destroy_workflow_file must be a file name such as destroy.yml."
  }
}

variable "plan_workflow_files" {
  description = "Workflow files allowed to assume the plan role."
  type        = list(string)

  validation {
    condition     = length(var.plan_workflow_files) > 0 && alltrue([for f in var.plan_workflow_files : can(regex("^[A-Za-z0-9._-]+\\.ya?ml$", f))])
    error_message = "plan_workflow_files must list file names such as pr-plan.yml."
  }
}

variable "merge_queue_workflow_file" {
  description = "The reusable plan workflow that plans the merge queue's commits (called on merge_group); the plan role trusts it, at the default branch, for the queue's branches gh-readonly-queue/<main_branch>/pr-*."
  type        = string
  default     = "plan.yml"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]+\\.ya?ml$", var.merge_queue_workflow_file))
    error_message = "merge_queue_workflow_file must be a file name such as plan.yml."
  }
}

variable "github_oidc_provider_arn" {
  description = "GitHub Actions OIDC provider in account_id that the roles trust."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.github_oidc_provider_arn))
    error_message = "github_oidc_provider_arn must be the ARN of the token.actions.githubusercontent.com provider."
  }
}

variable "state_bucket_name" {
  description = "The Terraform state bucket (in the bootstrap's account)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name))
    error_message = "state_bucket_name must be a valid S3 bucket name."
  }
}

variable "state_access_log_bucket_name" {
  description = "The state bucket's access-log bucket (its settings are denied to the apply role)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_access_log_bucket_name))
    error_message = "state_access_log_bucket_name must be a valid S3 bucket name."
  }
}

variable "audit_bucket_names" {
  description = "Buckets of the account's audit trail (CloudTrail); denied to the CI roles and the boundaries like the state access logs."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for b in var.audit_bucket_names : can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", b))])
    error_message = "audit_bucket_names must be valid S3 bucket names."
  }
}

variable "state_kms_key_arn" {
  description = "ARN of the state KMS key (in the bootstrap's account)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.state_kms_key_arn))
    error_message = "state_kms_key_arn must be a KMS key ARN (not an alias)."
  }
}

variable "max_session_duration" {
  description = "Maximum session duration of the CI roles, in seconds."
  type        = number

  validation {
    condition     = var.max_session_duration >= 900 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 900 and 43200 seconds."
  }
}

variable "cost_allocation_tags_environment" {
  description = "The one environment whose apply role may activate cost allocation tags (an account-wide setting); null for none."
  type        = string
  default     = null
}
