variable "repository_name" {
  description = "Name of the ECR repository (e.g. \"mlops-dev/model-serving\")."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", var.repository_name)) && length(var.repository_name) <= 256
    error_message = "repository_name must be a valid ECR repository name (lowercase, digits, . _ - and / separators)."
  }
}

variable "repository_image_tag_mutability" {
  description = "Tag mutability. IMMUTABLE (default) prevents a tag from being moved to another image."
  type        = string
  default     = "IMMUTABLE"

  validation {
    condition     = contains(["IMMUTABLE", "MUTABLE"], var.repository_image_tag_mutability)
    error_message = "repository_image_tag_mutability must be IMMUTABLE or MUTABLE."
  }
}

variable "repository_image_scan_on_push" {
  description = "Scan every pushed image for vulnerabilities."
  type        = bool
  default     = true
}

variable "repository_encryption_type" {
  description = "Encryption at rest: KMS (customer key in repository_kms_key) or AES256."
  type        = string
  default     = "KMS"

  validation {
    condition     = contains(["KMS", "AES256"], var.repository_encryption_type)
    error_message = "repository_encryption_type must be KMS or AES256."
  }
}

variable "repository_kms_key" {
  description = "ARN of the KMS key used when repository_encryption_type is KMS. Changing it replaces the repository."
  type        = string
  default     = null

  validation {
    condition     = var.repository_kms_key == null || can(regex("^arn:aws[a-z-]*:kms:", var.repository_kms_key))
    error_message = "repository_kms_key must be a KMS key ARN."
  }
}

variable "repository_force_delete" {
  description = "Allow destroying the repository while it still holds images. Keep false outside dev."
  type        = bool
  default     = false
}

variable "create_lifecycle_policy" {
  description = "Attach a lifecycle policy to the repository."
  type        = bool
  default     = true
}

variable "repository_lifecycle_policy" {
  description = "Lifecycle policy JSON. Null uses the built-in policy: expire untagged images after untagged_image_expiration_days, keep the newest max_tagged_image_count tagged images."
  type        = string
  default     = null
}

variable "untagged_image_expiration_days" {
  description = "Days after which untagged images expire (built-in lifecycle policy)."
  type        = number
  default     = 14

  validation {
    condition     = var.untagged_image_expiration_days >= 1
    error_message = "untagged_image_expiration_days must be at least 1."
  }
}

variable "max_tagged_image_count" {
  description = "Number of tagged images kept (built-in lifecycle policy)."
  type        = number
  default     = 100

  validation {
    condition     = var.max_tagged_image_count >= 1
    error_message = "max_tagged_image_count must be at least 1."
  }
}

variable "repository_read_access_arns" {
  description = "IAM principal ARNs (same or other accounts) allowed to pull images. Empty means no repository policy."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.repository_read_access_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:", a))])
    error_message = "repository_read_access_arns must contain IAM ARNs (no wildcards)."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
