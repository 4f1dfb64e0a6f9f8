variable "name" {
  description = "Name of the role (inside the environment's IAM names)."
  type        = string
}

variable "purpose" {
  description = "What runs with the role, for its description, e.g. \"Karpenter controller\"."
  type        = string
}

variable "binding" {
  description = "The service account the role is for: cluster, namespace, service account, and whether to create the Pod Identity association (the role is created either way)."
  type = object({
    cluster_name    = string
    namespace       = string
    service_account = string
    associate       = bool
  })

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,99}$", var.binding.cluster_name))
    error_message = "cluster_name must be a valid EKS cluster name (letters, digits, hyphens, underscores; at most 100)."
  }

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.binding.namespace))
    error_message = "namespace must be a Kubernetes namespace name (DNS label)."
  }

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$", var.binding.service_account))
    error_message = "service_account must be a Kubernetes object name (lowercase DNS subdomain)."
  }
}

variable "permissions_boundary" {
  description = "Permissions boundary of the role (the environment's)."
  type        = string
  default     = null
}

variable "policy" {
  description = "The controller's inline policy: its name and document (JSON)."
  type = object({
    name = string
    json = string
  })
}

variable "tags" {
  description = "Tags of the role and the association."
  type        = map(string)
  default     = {}
}
