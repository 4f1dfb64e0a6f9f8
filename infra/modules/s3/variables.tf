variable "bucket" {
  description = "Name of the bucket (globally unique, e.g. \"mlops-platform-artifacts-dev-111111111111\")."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket)) && !can(regex("\\.\\.", var.bucket))
    error_message = "bucket must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "force_destroy" {
  description = "Allow destroying the buckets while they still hold objects. Keep false outside dev."
  type        = bool
  default     = false
}

variable "versioning" {
  description = "Enable versioning on the bucket."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for SSE-KMS (with an S3 bucket key). Null falls back to SSE-S3 (AES256)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "create_access_log_bucket" {
  description = "Create a companion bucket \"<bucket>-access-logs\" (SSE-S3, as S3 log delivery requires) and send server access logs to it. Ignored when logging is set."
  type        = bool
  default     = true
}

variable "logging" {
  description = "Send server access logs to an existing bucket instead of a companion bucket."
  type = object({
    target_bucket = string
    target_prefix = optional(string, "s3-access-logs/")
  })
  default = null
}

variable "access_log_retention_days" {
  description = "Days after which objects in the companion access-log bucket expire."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_retention_days >= 1
    error_message = "access_log_retention_days must be at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions are deleted."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1."
  }
}

variable "noncurrent_version_transition_days" {
  description = "Days after which noncurrent versions move to STANDARD_IA. Null disables the transition; must be >= 30 and below the expiration."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_transition_days == null || try(var.noncurrent_version_transition_days >= 30, false)
    error_message = "noncurrent_version_transition_days must be null or at least 30."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which incomplete multipart uploads are aborted."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1
    error_message = "abort_incomplete_multipart_upload_days must be at least 1."
  }
}

variable "attach_deny_insecure_transport_policy" {
  description = "Attach a bucket policy that denies every request not sent over TLS."
  type        = bool
  default     = true
}

variable "policy_statements" {
  description = "Extra bucket policy statements (list of IAM statement objects) merged into the bucket policy."
  type        = any
  default     = []
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "deny_access_points" {
  description = "Refuse every request made through an S3 access point (bucket policy)."
  type        = bool
  default     = true
}
