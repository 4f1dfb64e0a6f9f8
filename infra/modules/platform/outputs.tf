output "vpc_id" {
  description = "ID of the environment VPC."
  value       = module.vpc.vpc_id
}

output "private_subnets" {
  description = "Private subnet IDs (EKS nodes)."
  value       = module.vpc.private_subnets
}

output "public_subnets" {
  description = "Public subnet IDs (load balancers, NAT)."
  value       = module.vpc.public_subnets
}

output "nat_public_ips" {
  description = "Egress IPs of the NAT gateways."
  value       = module.vpc.nat_public_ips
}

output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = module.eks.cluster_name
}

output "cluster_endpoint" {
  description = "Endpoint of the EKS API server."
  value       = module.eks.cluster_endpoint
}

output "oidc_provider_arn" {
  description = "IRSA OIDC provider ARN."
  value       = module.eks.oidc_provider_arn
}

output "ecr_repository_url" {
  description = "URL of the model-serving ECR repository."
  value       = module.ecr.repository_url
}

output "artifact_bucket" {
  description = "Name of the artifact bucket."
  value       = module.artifacts.s3_bucket_id
}

output "kms_key_arn" {
  description = "ARN of the environment KMS key."
  value       = aws_kms_key.this.arn
}

################################################################################
# Karpenter and AWS Load Balancer Controller: what the in-cluster side needs
################################################################################

output "karpenter" {
  description = "AWS side of Karpenter for the Helm chart and EC2NodeClass (null when enable_karpenter is false): controller role, service account, node role (EC2NodeClass spec.role; Karpenter manages the instance profile), interruption queue (settings.interruptionQueue), discovery tag."
  value = var.enable_karpenter ? {
    controller_role_arn = module.karpenter[0].controller_role_arn
    namespace           = module.karpenter[0].namespace
    service_account     = module.karpenter[0].service_account
    node_role_name      = module.karpenter[0].node_role_name
    node_role_arn       = module.karpenter[0].node_role_arn
    queue_name          = module.karpenter[0].queue_name
    discovery_tag       = module.karpenter[0].discovery_tag
  } : null
}

output "karpenter_capacity_types" {
  description = "Capacity types the environment's Karpenter NodePool may launch (platform/ manifests are checked against this)."
  value       = var.karpenter_capacity_types
}

output "lb_controller" {
  description = "AWS side of the AWS Load Balancer Controller for its Helm values (null when enable_load_balancer_controller is false): role, service account, policy version, ACM certificate and its DNS validation records."
  value = var.enable_load_balancer_controller ? {
    role_arn                              = module.lb_controller[0].role_arn
    namespace                             = module.lb_controller[0].namespace
    service_account                       = module.lb_controller[0].service_account
    iam_policy_version                    = module.lb_controller[0].iam_policy_version
    certificate_arn                       = module.lb_controller[0].certificate_arn
    certificate_domain_validation_options = module.lb_controller[0].certificate_domain_validation_options
  } : null
}

output "amp_workspace_id" {
  description = "ID of the environment's AMP workspace."
  value       = module.observability.workspace_id
}

output "amp_prometheus_endpoint" {
  description = "Prometheus endpoint of the AMP workspace (query and remote write, SigV4 service aps)."
  value       = module.observability.prometheus_endpoint
}

output "amp_scraper_arn" {
  description = "ARN of the AMP managed collector, or null when it is off."
  value       = module.observability.scraper_arn
}

output "grafana_workspace_endpoint" {
  description = "URL of the Managed Grafana workspace, or null when enable_grafana is false."
  value       = module.observability.grafana_workspace_endpoint
}

output "budget_name" {
  description = "Name of the environment's monthly budget, or null when it is off."
  value       = module.cost.budget_name
}

output "s3_gateway_endpoint_id" {
  description = "ID of the S3 gateway VPC endpoint on the private route tables."
  value       = module.vpc.s3_gateway_endpoint_id
}

output "gpu" {
  description = "GPU capacity the in-cluster GPU NodePool must match (platform/ is checked against the same variables), and what its limit costs a month at most."
  value = {
    instance_types     = var.gpu_instance_types
    capacity_types     = var.gpu_capacity_types
    limit              = var.gpu_limit
    monthly_usd_max    = local.gpu_monthly_usd_max
    budget_commitments = module.cost.committed_monthly_usd
  }
}

output "ml_access" {
  description = "Dataset and model access (null when enable_ml_access is false): per workload the Pod Identity role and the namespace/service account it is bound to, and the bucket's key prefixes."
  value = var.enable_ml_access ? {
    roles    = { for k, r in module.ml_access[0].roles : k => { role_arn = r.role_arn, namespace = r.namespace, service_account = r.service_account } }
    prefixes = module.ml_access[0].prefixes
  } : null
}

output "mlflow" {
  description = "MLflow's AWS side for platform/base/mlflow (null when enable_mlflow is false): database host, port and name, the master secret's ARN (never its value), the artifact destination, the role bound to mlflow/mlflow and the image repository."
  value = var.enable_mlflow ? {
    db_endpoint            = module.mlflow[0].db_endpoint
    db_port                = module.mlflow[0].db_port
    db_name                = module.mlflow[0].db_name
    master_user_secret_arn = module.mlflow[0].master_user_secret_arn
    artifact_uri           = module.mlflow[0].artifact_uri
    role_arn               = module.mlflow[0].role_arn
    multi_az               = local.mlflow_multi_az
    ecr_repository_url     = module.ecr_mlflow[0].repository_url
  } : null
}
