output "workspace_id" {
  description = "ID of the AMP workspace."
  value       = aws_prometheus_workspace.this.id
}

output "workspace_arn" {
  description = "ARN of the AMP workspace."
  value       = aws_prometheus_workspace.this.arn
}

output "prometheus_endpoint" {
  description = "Prometheus-compatible endpoint of the workspace (query: <endpoint>api/v1/query; remote write: <endpoint>api/v1/remote_write; SigV4, service aps)."
  value       = aws_prometheus_workspace.this.prometheus_endpoint
}

output "rule_group_namespaces" {
  description = "Names of the rule groups namespaces (one per file in rules/)."
  value       = sort(keys(aws_prometheus_rule_group_namespace.this))
}

output "scraper_arn" {
  description = "ARN of the managed collector, or null when it is off."
  value       = try(aws_prometheus_scraper.this[0].arn, null)
}

output "scraper_role_arn" {
  description = "Service-linked role of the managed collector (as AMP reports it, with its path), or null."
  value       = try(aws_prometheus_scraper.this[0].role_arn, null)
}

output "scraper_security_group_id" {
  description = "Security group of the managed collector's network interfaces, or null."
  value       = try(aws_security_group.scraper[0].id, null)
}

output "scraper_kubernetes_user" {
  description = "Kubernetes user name of the collector (its access entry); the in-cluster ClusterRoleBinding must name it."
  value       = "aps-collector-user"
}

output "eks_addons" {
  description = "EKS community add-ons the scrape configuration and rules read (kube-state-metrics, prometheus-node-exporter); pass them into the eks module's addons map."
  value       = local.eks_addons
}

output "grafana_workspace_endpoint" {
  description = "URL of the Managed Grafana workspace, or null when enable_grafana is false."
  value       = var.enable_grafana ? "https://${aws_grafana_workspace.this[0].endpoint}" : null
}

output "grafana_workspace_id" {
  description = "ID of the Managed Grafana workspace, or null."
  value       = try(aws_grafana_workspace.this[0].id, null)
}
