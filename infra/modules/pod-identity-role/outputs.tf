output "role_arn" {
  description = "ARN of the role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the role."
  value       = aws_iam_role.this.name
}

output "permissions_boundary" {
  description = "Permissions boundary of the role."
  value       = aws_iam_role.this.permissions_boundary
}

output "trust_policy" {
  description = "The role's trust policy (JSON)."
  value       = aws_iam_role.this.assume_role_policy
}

output "policy" {
  description = "The role's inline policy (JSON)."
  value       = aws_iam_role_policy.this.policy
}

output "association" {
  description = "The Pod Identity association (namespace, service_account, role_arn, cluster_name, association_id), or null."
  value = try({
    namespace       = aws_eks_pod_identity_association.this[0].namespace
    service_account = aws_eks_pod_identity_association.this[0].service_account
    role_arn        = aws_eks_pod_identity_association.this[0].role_arn
    cluster_name    = aws_eks_pod_identity_association.this[0].cluster_name
    association_id  = aws_eks_pod_identity_association.this[0].association_id
  }, null)
}
