variable "name" {
  description = "Name prefix (e.g. \"mlops-dev\"): database <name>-mlflow, role <name>-mlflow, security group <name>-mlflow-db."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}$", var.name))
    error_message = "name must be 2-39 lowercase letters, digits or hyphens and start with a letter."
  }
}

variable "cluster_name" {
  description = "EKS cluster whose Pod Identity agent may hand out the MLflow role."
  type        = string
}

variable "vpc_id" {
  description = "VPC of the cluster; the database's security group lives in it."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the database (at least two AZs, as RDS requires for a subnet group)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "subnet_ids must name at least two private subnets (RDS subnet groups span two or more AZs)."
  }
}

variable "client_cidr_blocks" {
  description = "CIDRs allowed to reach PostgreSQL (5432): the private subnets, where the pods' VPC CNI addresses come from. The NetworkPolicy under platform/ narrows it to the MLflow pods in the cluster."
  type        = list(string)

  validation {
    condition     = length(var.client_cidr_blocks) > 0 && alltrue([for c in var.client_cidr_blocks : can(cidrnetmask(c)) && c != "0.0.0.0/0"])
    error_message = "client_cidr_blocks must be private CIDRs (never 0.0.0.0/0)."
  }
}

variable "kms_key_arn" {
  description = "The environment's KMS key: storage, Performance Insights and the master user secret are encrypted with it."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "bucket_arn" {
  description = "ARN of the environment's artifact bucket; MLflow keeps its artifacts under artifact_prefix."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_arn))
    error_message = "bucket_arn must be an S3 bucket ARN (arn:aws:s3:::bucket-name)."
  }
}

variable "artifact_prefix" {
  description = "Key prefix of MLflow's artifacts in the bucket (its --artifacts-destination)."
  type        = string
  default     = "mlflow/"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9_-]*/$", var.artifact_prefix))
    error_message = "artifact_prefix must be one folder name ending in / (e.g. mlflow/)."
  }
}

variable "instance_class" {
  description = "RDS instance class of the PostgreSQL database."
  type        = string
  default     = "db.t4g.small"

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.instance_class))
    error_message = "instance_class must be an RDS class such as db.t4g.small."
  }
}

variable "engine_version" {
  description = "PostgreSQL major version (RDS picks the newest minor and upgrades minors itself)."
  type        = string
  default     = "17"

  validation {
    condition     = can(regex("^1[4-9]$", var.engine_version))
    error_message = "engine_version must be a PostgreSQL major version RDS supports (14 to 19)."
  }
}

variable "allocated_storage_gb" {
  description = "Initial gp3 storage in GB (storage autoscaling may grow it to max_allocated_storage_gb)."
  type        = number
  default     = 20

  validation {
    condition     = var.allocated_storage_gb >= 20 && var.allocated_storage_gb <= 65536
    error_message = "allocated_storage_gb must be 20 to 65536 (the gp3 range RDS allows)."
  }
}

variable "max_allocated_storage_gb" {
  description = "Storage autoscaling ceiling in GB."
  type        = number
  default     = 100

  validation {
    condition     = var.max_allocated_storage_gb >= var.allocated_storage_gb
    error_message = "max_allocated_storage_gb must be at least allocated_storage_gb."
  }
}

variable "multi_az" {
  description = "A synchronous standby in a second AZ (prod: an AZ failure costs a failover, not the registry)."
  type        = bool
  default     = true
}

variable "backup_retention_days" {
  description = "Days of automated backups (point-in-time recovery)."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_days >= 1 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be 1 to 35 (0 would switch backups off)."
  }
}

variable "deletion_protection" {
  description = "Refuse deleting the database (stage and prod). A destroy then fails until it is turned off on purpose."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Delete without a final snapshot (only throwaway environments: dev and the sandbox)."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Retention of the PostgreSQL log group the database exports to."
  type        = number
  default     = 90
}

variable "service_account" {
  description = "Namespace and service account of the MLflow tracking server (platform/base/mlflow)."
  type = object({
    namespace       = string
    service_account = string
  })
  default = { namespace = "mlflow", service_account = "mlflow" }
}

variable "create_pod_identity_association" {
  description = "Create the Pod Identity association (the role is created either way). Only a sandbox without CreatePodIdentityAssociation turns this off."
  type        = bool
  default     = true
}

variable "permissions_boundary" {
  description = "Permissions boundary of the role (the environment's)."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of every resource."
  type        = map(string)
  default     = {}
}
