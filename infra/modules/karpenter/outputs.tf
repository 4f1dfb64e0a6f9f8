output "controller_role_arn" {
  description = "ARN of the Karpenter controller role (bound to namespace/service_account by EKS Pod Identity; no IRSA annotation needed)."
  value       = module.controller_role.role_arn
}

output "controller_role_name" {
  description = "Name of the Karpenter controller role."
  value       = module.controller_role.role_name
}

output "namespace" {
  description = "Namespace the Karpenter chart is installed in (its service account's)."
  value       = var.namespace
}

output "service_account" {
  description = "Karpenter's service account (chart value serviceAccount.name), bound to the controller role."
  value       = var.service_account
}

output "pod_identity_association_id" {
  description = "Pod Identity association of Karpenter's service account; null without create_pod_identity_association."
  value       = try(module.controller_role.association.association_id, null)
}

output "node_role_name" {
  description = "Name of the node role: EC2NodeClass spec.role (Karpenter v1 creates and manages the instance profile from it, so this module creates none)."
  value       = aws_iam_role.node.name
}

output "node_role_arn" {
  description = "ARN of the node role (it has an EC2_LINUX access entry when create_access_entry is true)."
  value       = aws_iam_role.node.arn
}

output "queue_name" {
  description = "Name of the interruption queue (Helm value settings.interruptionQueue)."
  value       = aws_sqs_queue.interruption.name
}

output "queue_arn" {
  description = "ARN of the interruption queue."
  value       = aws_sqs_queue.interruption.arn
}

output "queue_url" {
  description = "URL of the interruption queue."
  value       = aws_sqs_queue.interruption.url
}

output "event_rules" {
  description = "EventBridge rule names feeding the interruption queue, by event (spot-interruption, rebalance, instance-state-change, scheduled-change, capacity-reservation-interruption)."
  value       = { for k, r in aws_cloudwatch_event_rule.interruption : k => r.name }
}

output "discovery_tag" {
  description = "The tag EC2NodeClass subnetSelectorTerms and securityGroupSelectorTerms select on (private subnets and the node security group carry it)."
  value       = { "karpenter.sh/discovery" = var.cluster_name }
}
