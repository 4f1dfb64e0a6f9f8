output "plan_role_arn" {
  description = "The environment's plan role (tfpromote.yaml plan_role)."
  value       = aws_iam_role.plan.arn
}

output "apply_role_arn" {
  description = "The environment's apply role (tfpromote.yaml apply_role)."
  value       = aws_iam_role.apply.arn
}

output "permissions_boundary_arn" {
  description = "Boundary every role the environment creates must carry (the environment root's permissions_boundary)."
  value       = aws_iam_policy.boundary.arn
}

output "apply_role_trust_policy" {
  description = "Trust policy of the apply role (JSON): who may assume it, for review and tests."
  value       = aws_iam_role.apply.assume_role_policy
}

output "plan_role_trust_policy" {
  description = "Trust policy of the plan role (JSON): who may assume it, for review and tests."
  value       = aws_iam_role.plan.assume_role_policy
}
