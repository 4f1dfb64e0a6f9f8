variable "name" {
  description = "Name prefix of the roles (e.g. \"mlops-dev\"): <name>-training and <name>-serving."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}$", var.name))
    error_message = "name must be 2-39 lowercase letters, digits or hyphens and start with a letter."
  }
}

variable "cluster_name" {
  description = "EKS cluster whose Pod Identity agent may hand out the roles."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the environment's artifact bucket (arn:aws:s3:::<name>); the only bucket the roles reach."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_arn))
    error_message = "bucket_arn must be an S3 bucket ARN (arn:aws:s3:::bucket-name), not an object or wildcard ARN."
  }
}

variable "kms_key_arn" {
  description = "The environment's KMS key that encrypts the bucket (SSE-KMS); used only through S3 (kms:ViaService)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "dataset_prefix" {
  description = "Key prefix of training data in the bucket (training reads it)."
  type        = string
  default     = "datasets/"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]*/$", var.dataset_prefix))
    error_message = "dataset_prefix must be one folder name ending in / (e.g. datasets/)."
  }
}

variable "model_prefix" {
  description = "Key prefix of trained models in the bucket (training writes it, serving reads it)."
  type        = string
  default     = "models/"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]*/$", var.model_prefix)) && var.model_prefix != var.dataset_prefix
    error_message = "model_prefix must be one folder name ending in / (e.g. models/), other than dataset_prefix."
  }
}

variable "training" {
  description = "Service account of the training jobs (namespace and name); the Job's pods run as it."
  type = object({
    namespace       = string
    service_account = string
  })
  default = { namespace = "ml-training", service_account = "training" }
}

variable "serving" {
  description = "Service account of the model-serving pods (namespace and name)."
  type = object({
    namespace       = string
    service_account = string
  })
  default = { namespace = "model-serving", service_account = "model-serving" }
}

variable "create_pod_identity_associations" {
  description = "Create the Pod Identity associations (the roles are created either way). Only a sandbox without CreatePodIdentityAssociation turns this off."
  type        = bool
  default     = true
}

variable "permissions_boundary" {
  description = "Permissions boundary of the roles (the environment's)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of the roles and associations."
  type        = map(string)
  default     = {}
}
