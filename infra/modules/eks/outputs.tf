output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the EKS cluster."
  value       = aws_eks_cluster.this.arn
}

output "cluster_version" {
  description = "Kubernetes version of the control plane."
  value       = aws_eks_cluster.this.version
}

output "cluster_endpoint" {
  description = "Endpoint of the Kubernetes API server."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_certificate_authority_data" {
  description = "Base64 CA certificate of the cluster."
  value       = aws_eks_cluster.this.certificate_authority[0].data
}

output "cluster_security_group_id" {
  description = "Security group EKS created for the control plane and nodes."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "cluster_iam_role_arn" {
  description = "ARN of the cluster IAM role."
  value       = aws_iam_role.cluster.arn
}

output "node_iam_role_arn" {
  description = "ARN of the node IAM role."
  value       = aws_iam_role.node.arn
}

output "oidc_issuer_url" {
  description = "OIDC issuer URL of the cluster."
  value       = aws_eks_cluster.this.identity[0].oidc[0].issuer
}

output "oidc_provider_arn" {
  description = "ARN of the IRSA OIDC provider, or null when enable_irsa is false."
  value       = try(aws_iam_openid_connect_provider.oidc[0].arn, null)
}

output "cloudwatch_log_group_name" {
  description = "Name of the control-plane log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "eks_managed_node_groups" {
  description = "Managed node groups: ARN, status and launch template ID per key."
  value = {
    for k, g in aws_eks_node_group.this : k => {
      arn                = g.arn
      status             = g.status
      launch_template_id = aws_launch_template.node[k].id
    }
  }
}

output "addons" {
  description = "Installed add-on names and versions."
  value       = { for k, a in merge(aws_eks_addon.before_compute, aws_eks_addon.this) : k => a.addon_version }
}

output "access_entries" {
  description = "Principal ARNs that have an access entry."
  value       = [for e in aws_eks_access_entry.this : e.principal_arn]
}
