locals {
  # Budgets' tag filter syntax: user:<key>$<value> (format, since "$${" would be an
  # HCL escape).
  environment_tag_filter = format("user:%s$%s", var.environment_tag_key, var.environment)
}

################################################################################
# Monthly budget of the environment
################################################################################

# Filtered by the Environment cost allocation tag, so it counts exactly what the
# environment's provider default_tags mark (and nothing of the other environments
# in a shared account). The tag must be active for cost allocation
# (manage_cost_allocation_tags) before Budgets can see it.
resource "aws_budgets_budget" "monthly" {
  count = var.enable_budget ? 1 : 0

  name         = "${var.name}-monthly"
  budget_type  = "COST"
  limit_amount = format("%.2f", var.monthly_budget_usd)
  limit_unit   = "USD"
  time_unit    = "MONTHLY"

  cost_filter {
    name   = "TagKeyValue"
    values = [local.environment_tag_filter]
  }

  dynamic "notification" {
    for_each = var.budget_notifications
    content {
      comparison_operator        = "GREATER_THAN"
      threshold                  = notification.value.threshold_percent
      threshold_type             = "PERCENTAGE"
      notification_type          = notification.value.notification_type
      subscriber_email_addresses = var.alert_emails
    }
  }

  tags = var.tags
}

################################################################################
# Cost anomaly detection
################################################################################

# A CUSTOM monitor over the environment's tag: AWS learns this environment's own
# spending pattern, so a runaway node group or NAT bill in dev is not averaged
# away by prod. (An account has at most one DIMENSIONAL SERVICE monitor, which
# environments sharing an account could not each own.)
resource "aws_ce_anomaly_monitor" "this" {
  count = var.enable_cost_anomaly_detection ? 1 : 0

  name         = "${var.name}-spend"
  monitor_type = "CUSTOM"
  monitor_specification = jsonencode({
    And            = null
    CostCategories = null
    Dimensions     = null
    Not            = null
    Or             = null
    Tags = {
      Key          = var.environment_tag_key
      MatchOptions = ["EQUALS"]
      Values       = [var.environment]
    }
  })

  tags = var.tags
}

resource "aws_ce_anomaly_subscription" "this" {
  count = var.enable_cost_anomaly_detection ? 1 : 0

  name             = "${var.name}-spend-daily"
  frequency        = "DAILY"
  monitor_arn_list = [aws_ce_anomaly_monitor.this[0].arn]

  dynamic "subscriber" {
    for_each = toset(var.alert_emails)
    content {
      type    = "EMAIL"
      address = subscriber.value
    }
  }

  threshold_expression {
    dimension {
      key           = "ANOMALY_TOTAL_IMPACT_ABSOLUTE"
      match_options = ["GREATER_THAN_OR_EQUAL"]
      values        = [format("%.2f", var.anomaly_threshold_usd)]
    }
  }

  tags = var.tags
}

################################################################################
# Cost allocation tags (account-wide, one owner per account)
################################################################################

# AWS only lists a tag key here after a resource carried it (up to 24 hours after
# the first tagged resource); activating an unseen key fails, so the owning
# environment is one that already ran once.
resource "aws_ce_cost_allocation_tag" "this" {
  for_each = var.manage_cost_allocation_tags ? toset(var.cost_allocation_tag_keys) : toset([])

  tag_key = each.value
  status  = "Active"
}
