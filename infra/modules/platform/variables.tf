variable "project" {
  description = "Project name; prefix of every resource name and the Project tag."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.project))
    error_message = "project must be 2-16 lowercase letters, digits or hyphens."
  }
}

variable "env" {
  description = "Environment name."
  type        = string

  validation {
    condition     = contains(["dev", "stage", "prod"], var.env)
    error_message = "env must be dev, stage or prod."
  }
}

variable "region" {
  description = "AWS region of the environment."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "account_id" {
  description = "AWS account the environment lives in; the provider refuses any other account."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "vpc_cidr" {
  description = "CIDR of the environment VPC (a /16; 10.0/10.1/10.2 for dev/stage/prod)."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && endswith(var.vpc_cidr, "/16")
    error_message = "vpc_cidr must be a valid IPv4 /16 block."
  }
}

variable "azs" {
  description = "Availability zones (explicit names, at least two)."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 2
    error_message = "azs must list at least two availability zones."
  }
}

variable "single_nat_gateway" {
  description = "One shared NAT gateway (dev, stage) instead of one per AZ (prod)."
  type        = bool
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string

  validation {
    condition     = can(regex("^1\\.[0-9]{2}$", var.kubernetes_version))
    error_message = "kubernetes_version must look like 1.35."
  }
}

variable "node_instance_types" {
  description = "Instance types of the default managed node group."
  type        = list(string)

  validation {
    condition     = length(var.node_instance_types) > 0
    error_message = "node_instance_types must not be empty."
  }
}

variable "node_min_size" {
  description = "Minimum number of nodes."
  type        = number

  validation {
    condition     = var.node_min_size >= 1
    error_message = "node_min_size must be at least 1."
  }
}

variable "node_desired_size" {
  description = "Initial desired number of nodes (afterwards owned by the autoscaler)."
  type        = number

  validation {
    condition     = var.node_desired_size >= var.node_min_size && var.node_desired_size <= var.node_max_size
    error_message = "node_desired_size must be between node_min_size and node_max_size."
  }
}

variable "node_max_size" {
  description = "Maximum number of nodes."
  type        = number

  validation {
    condition     = var.node_max_size >= var.node_min_size
    error_message = "node_max_size must be >= node_min_size."
  }
}

variable "node_disk_size" {
  description = "Root volume size of the nodes in GiB."
  type        = number
  default     = 50
  nullable    = false

  validation {
    condition     = var.node_disk_size >= 20
    error_message = "node_disk_size must be at least 20 GiB."
  }
}

variable "endpoint_public_access" {
  description = "Expose the EKS API publicly (only to endpoint_public_access_cidrs). Default: private endpoint only."
  type        = bool
  default     = false
  nullable    = false
}

variable "endpoint_public_access_cidrs" {
  description = "Allow-list for the public EKS API endpoint; required when endpoint_public_access is true, never 0.0.0.0/0."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = !contains(var.endpoint_public_access_cidrs, "0.0.0.0/0")
    error_message = "endpoint_public_access_cidrs must not contain 0.0.0.0/0."
  }
}

variable "cluster_admin_role_arns" {
  description = "Extra IAM roles (e.g. a break-glass admin role) granted AmazonEKSClusterAdminPolicy through access entries, and allowed (with the apply role) to delete, disable or re-policy the environment KMS key. The environment's apply role is always added."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for a in var.cluster_admin_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", a))])
    error_message = "cluster_admin_role_arns must contain IAM role ARNs."
  }
}

variable "log_retention_days" {
  description = "Retention of the EKS control-plane and VPC flow log groups (CloudWatch-supported value >= 30)."
  type        = number

  validation {
    condition     = contains([30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch retention value of at least 30 days."
  }
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the environment KMS key is deleted after destroy."
  type        = number
  default     = 30
  nullable    = false

  validation {
    condition     = var.kms_deletion_window_in_days >= 7 && var.kms_deletion_window_in_days <= 30
    error_message = "kms_deletion_window_in_days must be between 7 and 30."
  }
}

variable "force_destroy" {
  description = "Let destroy remove a non-empty artifact bucket and ECR repository (dev only)."
  type        = bool
  default     = false
  nullable    = false
}

variable "enable_eks_addons" {
  description = "Install the EKS add-ons (vpc-cni, kube-proxy, coredns, eks-pod-identity-agent, metrics-server). Only the sandbox turns this off."
  type        = bool
  default     = true
  nullable    = false
}

variable "eks_addon_versions" {
  description = "Pinned EKS add-on versions by add-on name (e.g. { coredns = \"v1.12.1-eksbuild.2\" }); an add-on not listed gets the newest version EKS publishes for kubernetes_version, resolved at plan time."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for v in values(var.eks_addon_versions) : can(regex("^v[0-9]+\\.[0-9]+\\.[0-9]+", v))])
    error_message = "eks_addon_versions values must be EKS add-on versions such as v1.12.1-eksbuild.2."
  }
}

variable "enable_irsa" {
  description = "Create the cluster's IAM OIDC provider for IRSA. Only the sandbox turns this off: moto gives every cluster the same issuer URL, so a second environment's provider would collide."
  type        = bool
  default     = true
  nullable    = false
}

variable "enable_access_entries" {
  description = "Create EKS access entries. Only the sandbox turns this off."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# Karpenter and AWS Load Balancer Controller (karpenter.tf, load_balancer_controller.tf)
################################################################################

variable "enable_karpenter" {
  description = "Create the AWS side of Karpenter: controller role (Pod Identity), node role and access entry, interruption queue and rules, security group discovery tag."
  type        = bool
  default     = true
  nullable    = false
}

variable "karpenter_capacity_types" {
  description = "Capacity types the environment's Karpenter NodePool may launch (karpenter.sh/capacity-type values): the single source the platform/ manifests are checked against. Spot saves cost where interruptions are acceptable."
  type        = list(string)
  default     = ["on-demand"]
  nullable    = false

  validation {
    condition     = length(var.karpenter_capacity_types) > 0 && length(distinct(var.karpenter_capacity_types)) == length(var.karpenter_capacity_types) && alltrue([for t in var.karpenter_capacity_types : contains(["spot", "on-demand", "reserved"], t)])
    error_message = "karpenter_capacity_types must list distinct values out of \"spot\", \"on-demand\" and \"reserved\" (at least one)."
  }
}

variable "enable_load_balancer_controller" {
  description = "Create the AWS side of the AWS Load Balancer Controller: its role (Pod Identity) with the upstream IAM policy, and the optional ACM certificate."
  type        = bool
  default     = true
  nullable    = false
}

variable "acm_domain_name" {
  description = "Domain of an ACM certificate (DNS validation) for the environment's ALBs, e.g. \"models.dev.example.com\"; null requests none."
  type        = string
  default     = null
}

variable "acm_subject_alternative_names" {
  description = "Further names on the ACM certificate (only with acm_domain_name)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "enable_pod_identity_associations" {
  description = "Create the EKS Pod Identity associations of the controller roles (the roles are created either way). Only the sandbox turns this off: moto lacks CreatePodIdentityAssociation."
  type        = bool
  default     = true
  nullable    = false
}

variable "enable_cluster_security_group_tags" {
  description = "Tag what EKS creates: the cluster security group (the nodes' group) with karpenter.sh/discovery and Environment, the node groups' Auto Scaling groups with Environment. Only the sandbox turns this off: moto's DescribeCluster returns no clusterSecurityGroupId and its node groups have no Auto Scaling group."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# Observability (observability.tf)
################################################################################

variable "amp_scrape_interval" {
  description = "Scrape interval of the AMP managed collector (Prometheus duration). AMP ingestion cost scales with 1/interval."
  type        = string
  default     = "30s"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+[sm]$", var.amp_scrape_interval))
    error_message = "amp_scrape_interval must be a Prometheus duration such as 30s or 1m."
  }
}

variable "enable_amp_scraper" {
  description = "Create the AMP managed collector on the cluster. Only the sandbox turns this off: moto has no CreateScraper."
  type        = bool
  default     = true
  nullable    = false
}

variable "enable_grafana" {
  description = "Create an Amazon Managed Grafana workspace over the AMP workspace. Needs IAM Identity Center (or SAML) in the account, hence off by default."
  type        = bool
  default     = false
  nullable    = false
}

variable "grafana_authentication_providers" {
  description = "Grafana sign-in: AWS_SSO (IAM Identity Center) and/or SAML."
  type        = list(string)
  default     = ["AWS_SSO"]
  nullable    = false

  validation {
    condition     = length(var.grafana_authentication_providers) > 0 && alltrue([for p in var.grafana_authentication_providers : contains(["AWS_SSO", "SAML"], p)])
    error_message = "grafana_authentication_providers must list AWS_SSO and/or SAML."
  }
}

################################################################################
# Cost (cost.tf)
################################################################################

variable "monthly_budget_usd" {
  description = "Monthly AWS budget of the environment in USD (costs tagged Environment=<env>); see the cost table in infra/README.md."
  type        = number

  validation {
    condition     = var.monthly_budget_usd > 0
    error_message = "monthly_budget_usd must be a positive amount in USD."
  }
}

variable "cost_alert_emails" {
  description = "E-mail addresses for the budget alerts (80 % and 100 % actual, 100 % forecast) and the daily cost anomaly summary."
  type        = list(string)

  validation {
    condition     = length(var.cost_alert_emails) > 0 && alltrue([for e in var.cost_alert_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "cost_alert_emails must list at least one e-mail address."
  }
}

variable "cost_anomaly_threshold_usd" {
  description = "Cost anomalies with at least this total impact in USD are mailed."
  type        = number
  default     = 50
  nullable    = false

  validation {
    condition     = var.cost_anomaly_threshold_usd > 0
    error_message = "cost_anomaly_threshold_usd must be positive."
  }
}

variable "enable_budget" {
  description = "Create the monthly budget. Only the sandbox turns this off: moto lacks DescribeSubscribersForNotification."
  type        = bool
  default     = true
  nullable    = false
}

variable "enable_cost_anomaly_detection" {
  description = "Create the cost anomaly monitor and subscription. Only the sandbox turns this off: moto lacks CreateAnomalyMonitor/CreateAnomalySubscription."
  type        = bool
  default     = true
  nullable    = false
}

variable "manage_cost_allocation_tags" {
  description = "Activate the Environment, Project and CostCenter cost allocation tags. Account-wide: exactly one environment per account owns them (prod), else destroying one environment deactivates them for all."
  type        = bool
  default     = false
  nullable    = false
}

################################################################################
# GPU capacity (Karpenter GPU NodePool under platform/; the budget covers its limit)
################################################################################

variable "gpu_instance_types" {
  description = "Instance types the environment's GPU NodePool may launch (node.kubernetes.io/instance-type values; platform/environments/<env>/gpu-nodepool is checked against this). Each must have a price in gpu.tf, so the budget check knows what the limit costs."
  type        = list(string)
  default     = ["g5.xlarge"]
  nullable    = false

  validation {
    condition     = length(var.gpu_instance_types) > 0 && length(distinct(var.gpu_instance_types)) == length(var.gpu_instance_types)
    error_message = "gpu_instance_types must list at least one instance type, each once."
  }

  validation {
    condition     = alltrue([for t in var.gpu_instance_types : contains(keys(local.gpu_instance_prices), t)])
    error_message = "gpu_instance_types may only name instance types with a price in infra/modules/platform/gpu.tf (${join(", ", sort(keys(local.gpu_instance_prices)))}); add the type's price and GPU count there first."
  }
}

variable "gpu_limit" {
  description = "How many GPUs (nvidia.com/gpu) the GPU NodePool may run at once (its spec.limits); 0 turns GPU capacity off. The monthly budget must cover this many GPUs on the most expensive allowed type, on demand, all month."
  type        = number
  default     = 0
  nullable    = false

  validation {
    condition     = var.gpu_limit >= 0 && var.gpu_limit <= 64 && floor(var.gpu_limit) == var.gpu_limit
    error_message = "gpu_limit must be a whole number of GPUs from 0 to 64."
  }
}

variable "gpu_capacity_types" {
  description = "Capacity types of the GPU NodePool: spot for interruptible training in dev and stage, on-demand only where a reclaimed node would cut serving."
  type        = list(string)
  default     = ["on-demand"]
  nullable    = false

  validation {
    condition     = length(var.gpu_capacity_types) > 0 && length(distinct(var.gpu_capacity_types)) == length(var.gpu_capacity_types) && alltrue([for t in var.gpu_capacity_types : contains(["spot", "on-demand", "reserved"], t)])
    error_message = "gpu_capacity_types must list distinct values out of \"spot\", \"on-demand\" and \"reserved\" (at least one)."
  }
}

################################################################################
# Dataset and model access (ml_access.tf)
################################################################################

variable "enable_ml_access" {
  description = "Create the Mountpoint for Amazon S3 CSI driver add-on and the training and serving Pod Identity roles, scoped to datasets/ and models/ of the artifact bucket."
  type        = bool
  default     = true
  nullable    = false
}

################################################################################
# Model registry (mlflow.tf)
################################################################################

variable "enable_mlflow" {
  description = "Create MLflow's PostgreSQL on RDS (master password managed by RDS in Secrets Manager) and its Pod Identity role (mlflow/ of the artifact bucket, the master secret)."
  type        = bool
  default     = true
  nullable    = false
}

variable "mlflow_instance_class" {
  description = "RDS instance class of MLflow's database; must have a price in mlflow.tf so the budget check knows its cost."
  type        = string
  default     = "db.t4g.small"
  nullable    = false

  validation {
    condition     = contains(keys(local.rds_postgres_hourly_usd), var.mlflow_instance_class)
    error_message = "mlflow_instance_class must be one of ${join(", ", sort(keys(local.rds_postgres_hourly_usd)))} (add its price in infra/modules/platform/mlflow.tf first)."
  }
}

variable "mlflow_multi_az" {
  description = "Run MLflow's database Multi-AZ; null means only in prod."
  type        = bool
  default     = null
}

variable "mlflow_max_storage_gb" {
  description = "Storage autoscaling ceiling of MLflow's database in GB (the budget covers it)."
  type        = number
  default     = 50
  nullable    = false

  validation {
    condition     = var.mlflow_max_storage_gb >= 20 && var.mlflow_max_storage_gb <= 65536
    error_message = "mlflow_max_storage_gb must be 20 to 65536."
  }
}
