# The cost module offline (mocked aws provider, schema from the local mirror): the
# budget counts only this environment's tag, alerts by e-mail on actual and
# forecasted spend; the anomaly monitor watches the same tag; cost allocation tags
# are activated only by the root that owns them; every sandbox switch drops what
# moto lacks; bad inputs are refused. Run by scripts/infra-test.

mock_provider "aws" {
  mock_resource "aws_ce_anomaly_monitor" {
    defaults = { arn = "arn:aws:ce::123456789012:anomalymonitor/00000000-0000-0000-0000-000000000000" }
  }
}

variables {
  name               = "mlops-test"
  environment        = "test"
  monthly_budget_usd = 750
  alert_emails       = ["platform-team@example.com", "oncall@example.com"]
}

run "budget_filtered_by_the_environment_tag" {
  command = apply

  assert {
    condition     = aws_budgets_budget.monthly[0].name == "mlops-test-monthly" && aws_budgets_budget.monthly[0].time_unit == "MONTHLY" && aws_budgets_budget.monthly[0].budget_type == "COST" && aws_budgets_budget.monthly[0].limit_amount == "750.00" && aws_budgets_budget.monthly[0].limit_unit == "USD"
    error_message = "The budget must be a monthly COST budget of 750.00 USD named mlops-test-monthly."
  }

  assert {
    condition     = [for f in aws_budgets_budget.monthly[0].cost_filter : f if f.name == "TagKeyValue"][0].values == tolist(["user:Environment$test"]) && length(aws_budgets_budget.monthly[0].cost_filter) == 1
    error_message = "The budget must filter on exactly user:Environment$test; got ${jsonencode(aws_budgets_budget.monthly[0].cost_filter)}."
  }

  assert {
    condition = toset([for n in aws_budgets_budget.monthly[0].notification : "${n.notification_type}/${n.threshold}"]) == toset(["ACTUAL/80", "ACTUAL/100", "FORECASTED/100"]) && alltrue([
      for n in aws_budgets_budget.monthly[0].notification : n.subscriber_email_addresses == toset(var.alert_emails) && n.threshold_type == "PERCENTAGE" && n.comparison_operator == "GREATER_THAN"
    ])
    error_message = "The budget must mail every address at 80% and 100% actual and 100% forecasted."
  }

  assert {
    condition     = jsondecode(aws_ce_anomaly_monitor.this[0].monitor_specification).Tags == { Key = "Environment", MatchOptions = ["EQUALS"], Values = ["test"] } && aws_ce_anomaly_monitor.this[0].monitor_type == "CUSTOM"
    error_message = "The anomaly monitor must be a CUSTOM monitor of the Environment=test tag."
  }

  assert {
    condition     = aws_ce_anomaly_subscription.this[0].monitor_arn_list == tolist([aws_ce_anomaly_monitor.this[0].arn]) && toset([for s in aws_ce_anomaly_subscription.this[0].subscriber : s.address]) == toset(var.alert_emails) && aws_ce_anomaly_subscription.this[0].frequency == "DAILY"
    error_message = "The anomaly subscription must mail every address daily about this environment's monitor."
  }

  # Account-wide: off unless this root owns them.
  assert {
    condition     = length(aws_ce_cost_allocation_tag.this) == 0
    error_message = "Cost allocation tags must not be managed unless manage_cost_allocation_tags is set."
  }
}

run "the_owning_root_activates_the_cost_allocation_tags" {
  command = plan
  variables {
    manage_cost_allocation_tags = true
  }
  assert {
    condition     = toset(keys(aws_ce_cost_allocation_tag.this)) == toset(["Environment", "Project", "CostCenter"]) && alltrue([for t in values(aws_ce_cost_allocation_tag.this) : t.status == "Active"])
    error_message = "The owner must activate Environment, Project and CostCenter."
  }
}

# moto 5.2.5 lacks DescribeSubscribersForNotification and the anomaly APIs.
run "sandbox_switches" {
  command = plan
  variables {
    enable_budget                 = false
    enable_cost_anomaly_detection = false
  }
  assert {
    condition     = length(aws_budgets_budget.monthly) == 0 && length(aws_ce_anomaly_monitor.this) == 0 && length(aws_ce_anomaly_subscription.this) == 0
    error_message = "The switches must drop the budget and the anomaly monitor and subscription."
  }
}

run "no_email_is_refused" {
  command = plan
  variables {
    alert_emails = []
  }
  expect_failures = [var.alert_emails]
}

run "bad_email_is_refused" {
  command = plan
  variables {
    alert_emails = ["platform-team"]
  }
  expect_failures = [var.alert_emails]
}

run "zero_budget_is_refused" {
  command = plan
  variables {
    monthly_budget_usd = 0
  }
  expect_failures = [var.monthly_budget_usd]
}

# The GPU NodePool at its limit and the model registry's database fit the budget.
run "budget_covering_the_committed_capacity" {
  command = plan
  variables {
    committed_monthly_usd = { gpu = 734.38, mlflow_database = 14.98 }
  }
}

# A GPU limit raised without the budget is refused at plan, naming both.
run "budget_below_the_committed_capacity_is_refused" {
  command = plan
  variables {
    committed_monthly_usd = { gpu = 734.38, mlflow_database = 14.98, more_gpus = 100 }
  }
  expect_failures = [var.committed_monthly_usd]
}
