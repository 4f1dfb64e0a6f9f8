output "plan_role_arn" {
  description = "The environment's plan role - tfpromote.yaml plan_role."
  value       = module.ci_roles.plan_role_arn
}

output "apply_role_arn" {
  description = "The environment's apply role - tfpromote.yaml apply_role."
  value       = module.ci_roles.apply_role_arn
}

output "permissions_boundary_arn" {
  description = "Boundary of every role the environment creates (its root's permissions_boundary)."
  value       = module.ci_roles.permissions_boundary_arn
}
