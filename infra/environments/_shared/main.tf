# The environment is the platform composition with this directory's terraform.tfvars;
# its backend (backend.tf) is the only other file that differs between environments.
module "platform" {
  source = "../../modules/platform"

  project                      = var.project
  env                          = var.env
  region                       = var.region
  account_id                   = var.account_id
  vpc_cidr                     = var.vpc_cidr
  azs                          = var.azs
  single_nat_gateway           = var.single_nat_gateway
  kubernetes_version           = var.kubernetes_version
  node_instance_types          = var.node_instance_types
  node_min_size                = var.node_min_size
  node_desired_size            = var.node_desired_size
  node_max_size                = var.node_max_size
  node_disk_size               = var.node_disk_size
  endpoint_public_access       = var.endpoint_public_access
  endpoint_public_access_cidrs = var.endpoint_public_access_cidrs
  cluster_admin_role_arns      = var.cluster_admin_role_arns
  log_retention_days           = var.log_retention_days
  kms_deletion_window_in_days  = var.kms_deletion_window_in_days
  force_destroy                = var.force_destroy
  enable_eks_addons            = var.enable_eks_addons
  eks_addon_versions           = var.eks_addon_versions
  enable_irsa                  = var.enable_irsa
  enable_access_entries        = var.enable_access_entries

  amp_scrape_interval              = var.amp_scrape_interval
  enable_amp_scraper               = var.enable_amp_scraper
  enable_grafana                   = var.enable_grafana
  grafana_authentication_providers = var.grafana_authentication_providers
  monthly_budget_usd               = var.monthly_budget_usd
  cost_alert_emails                = var.cost_alert_emails
  cost_anomaly_threshold_usd       = var.cost_anomaly_threshold_usd
  enable_budget                    = var.enable_budget
  enable_cost_anomaly_detection    = var.enable_cost_anomaly_detection
  manage_cost_allocation_tags      = var.manage_cost_allocation_tags

  enable_karpenter                   = var.enable_karpenter
  karpenter_capacity_types           = var.karpenter_capacity_types
  enable_load_balancer_controller    = var.enable_load_balancer_controller
  acm_domain_name                    = var.acm_domain_name
  acm_subject_alternative_names      = var.acm_subject_alternative_names
  enable_pod_identity_associations   = var.enable_pod_identity_associations
  enable_cluster_security_group_tags = var.enable_cluster_security_group_tags

  gpu_instance_types = var.gpu_instance_types
  gpu_limit          = var.gpu_limit
  gpu_capacity_types = var.gpu_capacity_types

  enable_ml_access = var.enable_ml_access

  enable_mlflow         = var.enable_mlflow
  mlflow_instance_class = var.mlflow_instance_class
  mlflow_multi_az       = var.mlflow_multi_az
  mlflow_max_storage_gb = var.mlflow_max_storage_gb
}
