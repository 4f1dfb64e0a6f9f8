variable "name" {
  description = "Name prefix of every resource (e.g. \"mlops-dev\"): workspace alias, log group, security group, rule namespaces, IAM role <name>-grafana."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}$", var.name))
    error_message = "name must be 2-39 lowercase letters, digits or hyphens and start with a letter."
  }
}

variable "cluster_name" {
  description = "Name of the EKS cluster the scraper collects from (its access entry is created on it)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,99}$", var.cluster_name))
    error_message = "cluster_name must be an EKS cluster name: lowercase letters, digits and hyphens."
  }
}

variable "cluster_arn" {
  description = "ARN of the EKS cluster the scraper collects from."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:eks:[a-z0-9-]+:[0-9]{12}:cluster/", var.cluster_arn))
    error_message = "cluster_arn must be an EKS cluster ARN (arn:aws:eks:REGION:ACCOUNT:cluster/NAME)."
  }
}

variable "cluster_security_group_id" {
  description = "The cluster security group EKS created (nodes and the API server ENIs use it); the scraper's security group is allowed into it on scrape_ports. Only used with enable_scraper."
  type        = string

  # Checked only where it is used: moto's EKS reports no cluster security group, and
  # the sandbox runs without the scraper.
  validation {
    condition     = !var.enable_scraper || can(regex("^sg-[0-9a-f]+$", var.cluster_security_group_id))
    error_message = "cluster_security_group_id must be a security group ID (sg-...) when enable_scraper is true."
  }
}

variable "vpc_id" {
  description = "VPC of the cluster; the scraper's security group lives in it."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC ID (vpc-...)."
  }
}

variable "subnet_ids" {
  description = "Private subnets the scraper puts its network interfaces in (at least two AZs, like the cluster's)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must list at least two subnet IDs (subnet-...) in different AZs."
  }
}

variable "scrape_ports" {
  description = "TCP ports the scraper may reach in the cluster security group: 443 API server (and kubelet/cAdvisor through its proxy), 8080 kube-state-metrics, 9100 node-exporter, 9400 the NVIDIA DCGM exporter on GPU nodes. Add the ports of annotated application pods."
  type        = list(number)
  default     = [443, 8080, 9100, 9400]

  validation {
    condition     = length(var.scrape_ports) > 0 && alltrue([for p in var.scrape_ports : p >= 1 && p <= 65535 && floor(p) == p])
    error_message = "scrape_ports must list TCP ports between 1 and 65535."
  }
}

variable "scrape_interval" {
  description = "How often the managed collector scrapes every target (Prometheus duration). Ingestion cost scales with 1/interval."
  type        = string
  default     = "30s"

  validation {
    condition     = can(regex("^[0-9]+[sm]$", var.scrape_interval))
    error_message = "scrape_interval must be a Prometheus duration in seconds or minutes, e.g. 30s or 1m."
  }
}

variable "kms_key_arn" {
  description = "ARN of the environment's customer managed KMS key: encrypts the AMP workspace and its log group (the key policy must allow logs.<region>.amazonaws.com)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "log_retention_days" {
  description = "Retention of the workspace's CloudWatch log group (rule evaluation and alertmanager errors), a CloudWatch value of at least 30 days."
  type        = number
  default     = 365

  validation {
    condition     = contains([30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch retention value of at least 30 days."
  }
}

variable "enable_scraper" {
  description = "Create the AMP managed collector (scraper) on the cluster. Only a sandbox without the AMP scraper API (CreateScraper) turns this off."
  type        = bool
  default     = true
}

variable "enable_access_entries" {
  description = "Create the scraper's EKS access entry. Only a sandbox without the EKS access-entry API turns this off."
  type        = bool
  default     = true
}

variable "enable_grafana" {
  description = "Create an Amazon Managed Grafana workspace with the AMP workspace as data source. Off by default: it needs IAM Identity Center (or SAML) in the account."
  type        = bool
  default     = false
}

variable "grafana_authentication_providers" {
  description = "How Grafana users sign in: AWS_SSO (IAM Identity Center) and/or SAML."
  type        = list(string)
  default     = ["AWS_SSO"]

  validation {
    condition     = length(var.grafana_authentication_providers) > 0 && alltrue([for p in var.grafana_authentication_providers : contains(["AWS_SSO", "SAML"], p)])
    error_message = "grafana_authentication_providers must list AWS_SSO and/or SAML."
  }
}

variable "grafana_version" {
  description = "Grafana major.minor version of the workspace (null: the service's default)."
  type        = string
  default     = null

  validation {
    condition     = var.grafana_version == null || can(regex("^[0-9]+\\.[0-9]+$", var.grafana_version))
    error_message = "grafana_version must look like 10.4 (or be null)."
  }
}

variable "permissions_boundary" {
  description = "ARN of the permissions boundary set on every IAM role this module creates (infra/bootstrap's per-environment boundary)."
  type        = string
  default     = null

  validation {
    condition     = var.permissions_boundary == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:policy/[A-Za-z0-9+=,.@_/-]+$", var.permissions_boundary))
    error_message = "permissions_boundary must be an IAM policy ARN, e.g. arn:aws:iam::111111111111:policy/mlops-boundary-dev."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
