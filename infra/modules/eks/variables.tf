variable "name" {
  description = "Name of the EKS cluster. Also the prefix of every IAM role, log group and launch template the module creates."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}$", var.name))
    error_message = "name must be 2-41 lowercase letters, digits or hyphens and start with a letter."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes <major>.<minor> version of the control plane (e.g. \"1.35\")."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must look like 1.35."
  }
}

variable "vpc_id" {
  description = "ID of the VPC the cluster runs in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnet IDs for the worker nodes (and the control plane ENIs unless control_plane_subnet_ids is set)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must contain at least two subnets in different AZs."
  }
}

variable "control_plane_subnet_ids" {
  description = "Subnet IDs for the control plane ENIs. Empty means subnet_ids."
  type        = list(string)
  default     = []
}

variable "endpoint_private_access" {
  description = "Whether the API server is reachable from inside the VPC."
  type        = bool
  default     = true
}

variable "endpoint_public_access" {
  description = "Whether the API server has a public endpoint. Only with a non-empty endpoint_public_access_cidrs allow-list."
  type        = bool
  default     = false
}

variable "endpoint_public_access_cidrs" {
  description = "CIDR allow-list of the public API endpoint. Required (and 0.0.0.0/0 refused) when endpoint_public_access is true."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.endpoint_public_access_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0"])
    error_message = "endpoint_public_access_cidrs must be valid CIDRs and must not contain 0.0.0.0/0."
  }

  validation {
    condition     = !var.endpoint_public_access || length(var.endpoint_public_access_cidrs) > 0
    error_message = "endpoint_public_access = true requires an explicit endpoint_public_access_cidrs allow-list."
  }
}

variable "enabled_log_types" {
  description = "Control-plane log types sent to CloudWatch."
  type        = list(string)
  default     = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  validation {
    condition     = alltrue([for t in var.enabled_log_types : contains(["api", "audit", "authenticator", "controllerManager", "scheduler"], t)])
    error_message = "enabled_log_types may only contain api, audit, authenticator, controllerManager and scheduler."
  }
}

variable "cloudwatch_log_group_retention_in_days" {
  description = "Retention of the control-plane log group in days (a CloudWatch-supported value, at least 30)."
  type        = number
  default     = 365

  validation {
    condition     = contains([30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.cloudwatch_log_group_retention_in_days)
    error_message = "cloudwatch_log_group_retention_in_days must be a CloudWatch retention value of at least 30 days."
  }
}

variable "cloudwatch_log_group_kms_key_id" {
  description = "ARN of the KMS key that encrypts the control-plane log group (key policy must allow logs.<region>.amazonaws.com)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.cloudwatch_log_group_kms_key_id))
    error_message = "cloudwatch_log_group_kms_key_id must be a KMS key ARN."
  }
}

variable "encryption_config" {
  description = "Envelope encryption of Kubernetes secrets with a customer managed KMS key (resources may only be [\"secrets\"])."
  type = object({
    provider_key_arn = string
    resources        = optional(list(string), ["secrets"])
  })

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.encryption_config.provider_key_arn)) && var.encryption_config.resources == tolist(["secrets"])
    error_message = "encryption_config needs a KMS key ARN; resources must be [\"secrets\"]."
  }
}

variable "authentication_mode" {
  description = "Cluster authentication mode. API uses access entries only (no aws-auth ConfigMap)."
  type        = string
  default     = "API"

  validation {
    condition     = contains(["API", "API_AND_CONFIG_MAP"], var.authentication_mode)
    error_message = "authentication_mode must be API or API_AND_CONFIG_MAP."
  }
}

variable "enable_access_entries" {
  description = "Create the access entries in access_entries. Only a sandbox without the EKS access-entry API turns this off."
  type        = bool
  default     = true
}

variable "access_entries" {
  description = "Access entries keyed by a short name: the IAM principal and the EKS access policies associated with it."
  type = map(object({
    principal_arn     = string
    type              = optional(string, "STANDARD")
    kubernetes_groups = optional(list(string))
    policy_associations = optional(map(object({
      policy_arn = string
      access_scope = optional(object({
        type       = string
        namespaces = optional(list(string))
      }), { type = "cluster" })
    })), {})
  }))
  default = {}

  validation {
    condition     = alltrue([for e in values(var.access_entries) : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:(role|user)/", e.principal_arn))])
    error_message = "Every access entry principal_arn must be an IAM role or user ARN."
  }
}

variable "enable_irsa" {
  description = "Create the IAM OIDC provider for IAM Roles for Service Accounts."
  type        = bool
  default     = true
}

variable "enable_eks_addons" {
  description = "Install the EKS add-ons in addons. Only a sandbox without the EKS add-on API turns this off."
  type        = bool
  default     = true
}

variable "addons" {
  description = "EKS add-ons keyed by add-on name. before_compute add-ons are installed before the node groups (vpc-cni, kube-proxy, eks-pod-identity-agent). addon_version pins a version; null resolves one at plan time with data.aws_eks_addon_version (most_recent = false: EKS's default for the Kubernetes version instead of the newest). preserve keeps the software in the cluster when the add-on resource is destroyed."
  type = map(object({
    addon_version               = optional(string)
    most_recent                 = optional(bool, true)
    preserve                    = optional(bool, true)
    before_compute              = optional(bool, false)
    configuration_values        = optional(string)
    service_account_role_arn    = optional(string)
    resolve_conflicts_on_create = optional(string, "OVERWRITE")
    resolve_conflicts_on_update = optional(string, "OVERWRITE")
  }))
  default = {
    vpc-cni                = { before_compute = true }
    kube-proxy             = { before_compute = true }
    eks-pod-identity-agent = { before_compute = true }
    coredns                = {}
    metrics-server         = {}
  }

  validation {
    condition = alltrue([for a in values(var.addons) :
      contains(["NONE", "OVERWRITE"], a.resolve_conflicts_on_create) &&
      contains(["NONE", "OVERWRITE", "PRESERVE"], a.resolve_conflicts_on_update)
    ])
    error_message = "resolve_conflicts_on_create must be NONE or OVERWRITE; resolve_conflicts_on_update NONE, OVERWRITE or PRESERVE."
  }
}

variable "upgrade_policy" {
  description = "Support policy after standard support ends: STANDARD (upgrade is forced) or EXTENDED (paid extended support)."
  type = object({
    support_type = optional(string, "STANDARD")
  })
  default = {}

  validation {
    condition     = contains(["STANDARD", "EXTENDED"], var.upgrade_policy.support_type)
    error_message = "upgrade_policy.support_type must be STANDARD or EXTENDED."
  }
}

variable "eks_managed_node_groups" {
  description = "Managed node groups keyed by name. Nodes always run in subnet_ids (private) from a launch template with IMDSv2 (hop limit 1) and an encrypted gp3 root volume."
  type = map(object({
    ami_type                   = optional(string, "AL2023_x86_64_STANDARD")
    capacity_type              = optional(string, "ON_DEMAND")
    instance_types             = list(string)
    min_size                   = number
    max_size                   = number
    desired_size               = number
    disk_size                  = optional(number, 50)
    max_unavailable_percentage = optional(number, 33)
    labels                     = optional(map(string), {})
    taints = optional(list(object({
      key    = string
      value  = optional(string)
      effect = string
    })), [])
  }))

  validation {
    condition     = length(var.eks_managed_node_groups) > 0
    error_message = "Define at least one managed node group."
  }

  validation {
    condition     = alltrue([for g in values(var.eks_managed_node_groups) : startswith(g.ami_type, "AL2023_") && contains(["ON_DEMAND", "SPOT"], g.capacity_type)])
    error_message = "Node groups must use an AL2023_* ami_type and capacity_type ON_DEMAND or SPOT."
  }

  validation {
    condition     = alltrue([for g in values(var.eks_managed_node_groups) : g.min_size >= 0 && g.min_size <= g.desired_size && g.desired_size <= g.max_size && g.max_size >= 1])
    error_message = "Node group sizes must satisfy 0 <= min_size <= desired_size <= max_size and max_size >= 1."
  }

  validation {
    condition     = alltrue([for g in values(var.eks_managed_node_groups) : g.disk_size >= 20 && g.max_unavailable_percentage >= 1 && g.max_unavailable_percentage <= 100])
    error_message = "disk_size must be >= 20 GiB and max_unavailable_percentage between 1 and 100."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "permissions_boundary" {
  description = "ARN of the permissions boundary set on every IAM role this module creates (infra/bootstrap's per-environment boundary; the apply roles may create roles only with it)."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/[A-Za-z0-9+=,.@_/-]+$", var.permissions_boundary))
    error_message = "permissions_boundary must be an IAM policy ARN, e.g. arn:aws:iam::111111111111:policy/mlops-boundary-dev."
  }
}

variable "tag_eks_created_resources" {
  description = "Add the Environment tag (from the provider's default_tags or tags) to what EKS creates untagged: the cluster security group and the node groups' Auto Scaling groups. The CI roles' Environment rules only see tagged resources."
  type        = bool
  default     = true
}
