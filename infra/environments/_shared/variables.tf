# This environment's inputs, set in terraform.tfvars (and, in the sandbox, sandbox/moto.tfvars).
# Types, defaults, validation and documentation live once, in
# infra/modules/platform/variables.tf: an optional input is null here, so the
# composition applies its own default.

variable "env" {}
variable "region" {}
variable "account_id" {}
variable "vpc_cidr" {}
variable "azs" {}
variable "single_nat_gateway" {}
variable "kubernetes_version" {}
variable "node_instance_types" {}
variable "node_min_size" {}
variable "node_desired_size" {}
variable "node_max_size" {}
variable "node_disk_size" { default = null }
variable "endpoint_public_access" { default = null }
variable "endpoint_public_access_cidrs" { default = null }
variable "cluster_admin_role_arns" { default = null }
variable "log_retention_days" {}
variable "kms_deletion_window_in_days" { default = null }
variable "force_destroy" { default = null }
variable "enable_eks_addons" { default = null }
variable "eks_addon_versions" { default = null }
variable "enable_irsa" { default = null }
variable "enable_access_entries" { default = null }
variable "enable_karpenter" { default = null }
variable "karpenter_capacity_types" { default = null }
variable "enable_load_balancer_controller" { default = null }
variable "acm_domain_name" { default = null }
variable "acm_subject_alternative_names" { default = null }
variable "enable_pod_identity_associations" { default = null }
variable "enable_cluster_security_group_tags" { default = null }
variable "gpu_instance_types" { default = null }
variable "gpu_limit" { default = null }
variable "gpu_capacity_types" { default = null }
variable "enable_ml_access" { default = null }
variable "enable_mlflow" { default = null }
variable "mlflow_instance_class" { default = null }
variable "mlflow_multi_az" { default = null }
variable "mlflow_max_storage_gb" { default = null }

# Root-only inputs: the provider's default tags and the sandbox's S3 addressing.
variable "project" {
  description = "Project name; prefix of every resource name and the Project tag (validated by the composition)."
  type        = string
  default     = "mlops"
}

variable "repository" {
  description = "GitHub repository (ORG/REPO) that manages this code; the Repository tag."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.repository))
    error_message = "repository must look like ORG/REPO."
  }
}

variable "tags" {
  description = "Extra default tags (e.g. Owner, CostCenter). Project, Environment, ManagedBy and Repository are always set."
  type        = map(string)
  default     = {}
}

variable "s3_use_path_style" {
  description = "Use path-style S3 addressing (only for S3-compatible sandboxes such as moto)."
  type        = bool
  default     = false
}

# Observability and cost (infra/modules/platform/observability.tf, cost.tf).
variable "amp_scrape_interval" { default = null }
variable "enable_amp_scraper" { default = null }
variable "enable_grafana" { default = null }
variable "grafana_authentication_providers" { default = null }
variable "monthly_budget_usd" {}
variable "cost_alert_emails" {}
variable "cost_anomaly_threshold_usd" { default = null }
variable "enable_budget" { default = null }
variable "enable_cost_anomaly_detection" { default = null }
variable "manage_cost_allocation_tags" { default = null }
