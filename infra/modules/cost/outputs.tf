output "budget_name" {
  description = "Name of the monthly budget, or null when it is off."
  value       = try(aws_budgets_budget.monthly[0].name, null)
}

output "budget_cost_filter" {
  description = "The budget's tag filter (user:<key>$<environment>)."
  value       = local.environment_tag_filter
}

output "anomaly_monitor_arn" {
  description = "ARN of the environment's cost anomaly monitor, or null when it is off."
  value       = try(aws_ce_anomaly_monitor.this[0].arn, null)
}

output "cost_allocation_tags" {
  description = "Tag keys this root activates for cost allocation (empty unless it owns them)."
  value       = sort(keys(aws_ce_cost_allocation_tag.this))
}

output "committed_monthly_usd" {
  description = "The committed monthly amounts the budget was checked to cover, and their sum."
  value = {
    lines = var.committed_monthly_usd
    total = sum(concat([0], values(var.committed_monthly_usd)))
  }
}
