output "vpc_id" {
  description = "ID of the environment VPC."
  value       = module.platform.vpc_id
}

output "private_subnets" {
  description = "Private subnet IDs (EKS nodes)."
  value       = module.platform.private_subnets
}

output "public_subnets" {
  description = "Public subnet IDs (load balancers, NAT)."
  value       = module.platform.public_subnets
}

output "nat_public_ips" {
  description = "Egress IPs of the NAT gateways."
  value       = module.platform.nat_public_ips
}

output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = module.platform.cluster_name
}

output "cluster_endpoint" {
  description = "Endpoint of the EKS API server."
  value       = module.platform.cluster_endpoint
}

output "oidc_provider_arn" {
  description = "IRSA OIDC provider ARN."
  value       = module.platform.oidc_provider_arn
}

output "ecr_repository_url" {
  description = "URL of the model-serving ECR repository."
  value       = module.platform.ecr_repository_url
}

output "artifact_bucket" {
  description = "Name of the artifact bucket."
  value       = module.platform.artifact_bucket
}

output "kms_key_arn" {
  description = "ARN of the environment KMS key."
  value       = module.platform.kms_key_arn
}

output "amp_workspace_id" {
  description = "ID of the environment's AMP workspace."
  value       = module.platform.amp_workspace_id
}

output "amp_prometheus_endpoint" {
  description = "Prometheus endpoint of the AMP workspace (query and remote write, SigV4 service aps)."
  value       = module.platform.amp_prometheus_endpoint
}

output "amp_scraper_arn" {
  description = "ARN of the AMP managed collector, or null when it is off."
  value       = module.platform.amp_scraper_arn
}

output "grafana_workspace_endpoint" {
  description = "URL of the Managed Grafana workspace, or null when enable_grafana is false."
  value       = module.platform.grafana_workspace_endpoint
}

output "budget_name" {
  description = "Name of the environment's monthly budget, or null when it is off."
  value       = module.platform.budget_name
}

output "s3_gateway_endpoint_id" {
  description = "ID of the S3 gateway VPC endpoint on the private route tables."
  value       = module.platform.s3_gateway_endpoint_id
}

output "karpenter" {
  description = "AWS side of Karpenter for the in-cluster manifests (controller role, service account, node role, interruption queue, discovery tag); null when off."
  value       = module.platform.karpenter
}

output "karpenter_capacity_types" {
  description = "Capacity types the environment's Karpenter NodePool may launch."
  value       = module.platform.karpenter_capacity_types
}

output "lb_controller" {
  description = "AWS side of the AWS Load Balancer Controller (role, service account, policy version, ACM certificate); null when off."
  value       = module.platform.lb_controller
}

output "gpu" {
  description = "GPU capacity (instance types, capacity types, nvidia.com/gpu limit) the in-cluster GPU NodePool must match, and its monthly cost at the limit."
  value       = module.platform.gpu
}

output "ml_access" {
  description = "Training and serving Pod Identity roles (namespace, service account) and the artifact bucket's dataset and model prefixes; null when off."
  value       = module.platform.ml_access
}

output "mlflow" {
  description = "MLflow's database (host, port, name), the ARN of its RDS-managed master secret, the artifact destination and its role; null when off."
  value       = module.platform.mlflow
}
