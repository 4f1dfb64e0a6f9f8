variable "name" {
  description = "Name prefix (the environment's \"mlops-<env>\"); the role is <name>-lb-controller."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be 2-41 lowercase letters, digits or hyphens and start with a letter."
  }
}

variable "cluster_name" {
  description = "Name of the EKS cluster the controller runs in (Pod Identity association and trust condition; checked by modules/pod-identity-role)."
  type        = string
}

variable "namespace" {
  description = "Kubernetes namespace of the controller's service account."
  type        = string
  default     = "kube-system"
}

variable "service_account" {
  description = "Name of the controller's Kubernetes service account (Helm value serviceAccount.name)."
  type        = string
  default     = "aws-load-balancer-controller"
}

variable "create_pod_identity_association" {
  description = "Create the EKS Pod Identity association of the role with namespace/service_account (needs the eks-pod-identity-agent add-on). False only where the EKS API lacks CreatePodIdentityAssociation (moto)."
  type        = bool
  default     = true
}

variable "acm_domain_name" {
  description = "Domain name of an ACM certificate to request for the ALBs (DNS validation), e.g. \"models.dev.example.com\" or \"*.dev.example.com\". Null requests none."
  type        = string
  default     = null

  validation {
    condition     = var.acm_domain_name == null || can(regex("^(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.acm_domain_name))
    error_message = "acm_domain_name must be a lowercase DNS name (optionally starting with \"*.\"), or null."
  }
}

variable "acm_subject_alternative_names" {
  description = "Further names on the certificate (ignored when acm_domain_name is null)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for n in var.acm_subject_alternative_names : can(regex("^(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", n))])
    error_message = "acm_subject_alternative_names must be lowercase DNS names (optionally starting with \"*.\")."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary" {
  description = "ARN of the permissions boundary set on the role (infra/bootstrap's per-environment boundary; the apply roles may create roles only with it)."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/[A-Za-z0-9+=,.@_/-]+$", var.permissions_boundary))
    error_message = "permissions_boundary must be an IAM policy ARN, e.g. arn:aws:iam::111111111111:policy/mlops-boundary-dev."
  }
}
