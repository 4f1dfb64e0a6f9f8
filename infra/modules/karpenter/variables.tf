variable "name" {
  description = "Name prefix of the IAM roles, queue and rules (the environment's \"mlops-<env>\"): roles <name>-karpenter-controller and <name>-karpenter-node."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}$", var.name))
    error_message = "name must be 2-31 lowercase letters, digits or hyphens and start with a letter (IAM role names stay under 64 characters)."
  }
}

variable "cluster_name" {
  description = "Name of the EKS cluster Karpenter manages nodes for; the value of every karpenter.sh/discovery tag and of the policy's cluster tag conditions."
  type        = string

  validation {
    condition     = can(regex("^[a-zA-Z0-9][a-zA-Z0-9_-]{0,99}$", var.cluster_name))
    error_message = "cluster_name must be a valid EKS cluster name (letters, digits, hyphens, underscores; at most 100)."
  }
}

variable "namespace" {
  description = "Kubernetes namespace of the Karpenter controller's service account."
  type        = string
  default     = "kube-system"
}

variable "service_account" {
  description = "Name of the Karpenter controller's Kubernetes service account (the Helm chart's default is karpenter)."
  type        = string
  default     = "karpenter"
}

variable "create_pod_identity_association" {
  description = "Create the EKS Pod Identity association of the controller role with namespace/service_account (needs the eks-pod-identity-agent add-on). False only where the EKS API lacks CreatePodIdentityAssociation (moto)."
  type        = bool
  default     = true
}

variable "create_access_entry" {
  description = "Create the EKS access entry (type EC2_LINUX) that lets nodes with the node role join the cluster. False only where the EKS API lacks access entries (moto)."
  type        = bool
  default     = true
}

variable "tag_node_security_group" {
  description = "Tag node_security_group_id with karpenter.sh/discovery = cluster_name, for EC2NodeClass securityGroupSelectorTerms."
  type        = bool
  default     = true
}

variable "node_security_group_id" {
  description = "Security group the nodes use (the EKS-created cluster security group, which the managed node group uses too). Needed when tag_node_security_group is true."
  type        = string
  default     = null

  validation {
    condition     = can(regex("^sg-[0-9a-f]+$", coalesce(var.node_security_group_id, "sg-0")))
    error_message = "node_security_group_id must be a security group ID (sg-...)."
  }
}

variable "queue_message_retention_seconds" {
  description = "How long an interruption event waits in the queue (seconds). Events older than a few minutes are useless: a spot interruption warning gives 2 minutes."
  type        = number
  default     = 300

  validation {
    condition     = var.queue_message_retention_seconds >= 60 && var.queue_message_retention_seconds <= 1209600
    error_message = "queue_message_retention_seconds must be between 60 and 1209600 (SQS limits)."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary" {
  description = "ARN of the permissions boundary set on both IAM roles (infra/bootstrap's per-environment boundary; the apply roles may create roles only with it)."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/[A-Za-z0-9+=,.@_/-]+$", var.permissions_boundary))
    error_message = "permissions_boundary must be an IAM policy ARN, e.g. arn:aws:iam::111111111111:policy/mlops-boundary-dev."
  }
}
