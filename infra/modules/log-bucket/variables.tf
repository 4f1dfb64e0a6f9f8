variable "bucket" {
  description = "Name of the log bucket."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket))
    error_message = "bucket must be a valid S3 bucket name."
  }
}

variable "force_destroy" {
  description = "Let a destroy delete the bucket with its logs (only for throw-away environments)."
  type        = bool
  default     = false
}

variable "retention_days" {
  description = "Days log files are kept."
  type        = number

  validation {
    condition     = var.retention_days >= 1
    error_message = "retention_days must be at least 1."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which incomplete multipart uploads are aborted."
  type        = number
  default     = 7
}

variable "lifecycle_rule_id" {
  description = "ID of the expiry rule (kept from the buckets this module replaced, so their rule is not rewritten)."
  type        = string
  default     = "expire-access-logs"
}

variable "delivery_statements" {
  description = "Bucket policy statements that let the delivering service (logging.s3.amazonaws.com, cloudtrail.amazonaws.com) write, each pinned to its source."
  type        = any
}

variable "admin_principal_arns" {
  description = "Principals that alone may change the bucket or delete logs; empty leaves that to IAM."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags of the bucket."
  type        = map(string)
  default     = {}
}
