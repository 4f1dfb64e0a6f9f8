output "role_arn" {
  description = "ARN of the controller role (bound to namespace/service_account by EKS Pod Identity; no IRSA annotation needed)."
  value       = module.controller_role.role_arn
}

output "iam_policy_version" {
  description = "Upstream release whose iam_policy.json the role carries."
  value       = local.upstream_policy.version

  precondition {
    condition     = filesha256("${path.module}/iam_policy.json") == local.upstream_policy.sha256
    error_message = "iam_policy.json differs from upstream ${local.upstream_policy.version} (${local.upstream_policy.url}). Replace it with the upstream file and update local.upstream_policy."
  }
}

output "namespace" {
  description = "Namespace of the controller's service account."
  value       = var.namespace
}

output "certificate_arn" {
  description = "ARN of the ACM certificate (alb.ingress.kubernetes.io/certificate-arn), or null when acm_domain_name is null. Usable once validated."
  value       = try(aws_acm_certificate.this[0].arn, null)
}

output "service_account" {
  description = "Name of the controller's service account (Helm value serviceAccount.name)."
  value       = var.service_account
}

output "certificate_domain_validation_options" {
  description = "DNS records (name, type, value) to create so ACM validates the certificate; empty when acm_domain_name is null."
  value = [
    for o in try(aws_acm_certificate.this[0].domain_validation_options, []) : {
      domain_name = o.domain_name
      name        = o.resource_record_name
      type        = o.resource_record_type
      value       = o.resource_record_value
    }
  ]
}

output "role_name" {
  description = "Name of the controller role."
  value       = module.controller_role.role_name
}

output "pod_identity_association_id" {
  description = "ID of the Pod Identity association, or null when create_pod_identity_association is false."
  value       = try(module.controller_role.association.association_id, null)
}
