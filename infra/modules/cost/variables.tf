variable "name" {
  description = "Name prefix of every resource (e.g. \"mlops-dev\"): budget <name>-monthly, anomaly monitor and subscription <name>-*."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}$", var.name))
    error_message = "name must be 2-39 lowercase letters, digits or hyphens and start with a letter."
  }
}

variable "environment" {
  description = "Value of the Environment cost allocation tag this environment's resources carry (provider default_tags); the budget and the anomaly monitor filter on it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,31}$", var.environment))
    error_message = "environment must be a short lowercase name such as dev, stage or prod."
  }
}

variable "environment_tag_key" {
  description = "Tag key that names the environment on every resource (the provider's default_tags set Environment)."
  type        = string
  default     = "Environment"

  validation {
    condition     = can(regex("^[A-Za-z0-9_.:/=+@ -]{1,128}$", var.environment_tag_key)) && !startswith(var.environment_tag_key, "aws:")
    error_message = "environment_tag_key must be a user tag key (1-128 characters, not aws:*)."
  }
}

variable "monthly_budget_usd" {
  description = "Monthly cost budget of the environment in USD (unblended cost of resources tagged Environment=<environment>)."
  type        = number

  validation {
    condition     = var.monthly_budget_usd > 0 && var.monthly_budget_usd <= 1000000
    error_message = "monthly_budget_usd must be a positive amount in USD (at most 1,000,000)."
  }
}

variable "committed_monthly_usd" {
  description = "What the environment may spend at most on capacity it scales on its own, per line (e.g. { gpu = 734.38, mlflow_database = 14.98 }): a GPU NodePool at its limit all month, the model registry's database. The budget must cover their sum, so reaching a limit raises an alert instead of surprising the bill."
  type        = map(number)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for v in values(var.committed_monthly_usd) : v >= 0])
    error_message = "committed_monthly_usd amounts must not be negative."
  }

  validation {
    condition     = sum(concat([0], values(var.committed_monthly_usd))) <= var.monthly_budget_usd
    error_message = "monthly_budget_usd (${var.monthly_budget_usd}) does not cover committed_monthly_usd (${jsonencode(var.committed_monthly_usd)}, together ${format("%.2f", sum(concat([0], values(var.committed_monthly_usd))))} USD): raise the budget in terraform.tfvars or lower the limits (see the cost table in infra/README.md)."
  }
}

variable "alert_emails" {
  description = "E-mail addresses that get the budget alerts and the daily cost anomaly summary (AWS sends them; no SNS topic needed)."
  type        = list(string)

  validation {
    condition     = length(var.alert_emails) > 0 && length(var.alert_emails) <= 10 && alltrue([for e in var.alert_emails : can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", e))])
    error_message = "alert_emails must list 1 to 10 e-mail addresses (AWS Budgets allows 10 e-mail subscribers per notification)."
  }
}

variable "budget_notifications" {
  description = "When the budget mails alert_emails: ACTUAL (spent so far this month) or FORECASTED (AWS' month-end forecast) above threshold percent of the budget."
  type = list(object({
    notification_type = string
    threshold_percent = number
  }))
  default = [
    { notification_type = "ACTUAL", threshold_percent = 80 },
    { notification_type = "ACTUAL", threshold_percent = 100 },
    { notification_type = "FORECASTED", threshold_percent = 100 },
  ]

  validation {
    condition     = length(var.budget_notifications) > 0 && alltrue([for n in var.budget_notifications : contains(["ACTUAL", "FORECASTED"], n.notification_type) && n.threshold_percent > 0 && n.threshold_percent <= 1000])
    error_message = "budget_notifications need notification_type ACTUAL or FORECASTED and a threshold_percent between 0 and 1000."
  }

  validation {
    condition     = length(distinct([for n in var.budget_notifications : "${n.notification_type}/${n.threshold_percent}"])) == length(var.budget_notifications)
    error_message = "budget_notifications must not repeat the same type and threshold (AWS refuses duplicate notifications)."
  }
}

variable "anomaly_threshold_usd" {
  description = "A cost anomaly is mailed when its total impact reaches this many USD."
  type        = number
  default     = 50

  validation {
    condition     = var.anomaly_threshold_usd > 0
    error_message = "anomaly_threshold_usd must be positive."
  }
}

variable "enable_budget" {
  description = "Create the monthly budget. Only a sandbox without the full AWS Budgets API (moto lacks DescribeSubscribersForNotification) turns this off."
  type        = bool
  default     = true
}

variable "enable_cost_anomaly_detection" {
  description = "Create the cost anomaly monitor (CUSTOM, filtered by the environment tag) and its daily e-mail subscription. Only a sandbox without Cost Explorer's anomaly APIs turns this off."
  type        = bool
  default     = true
}

variable "manage_cost_allocation_tags" {
  description = "Activate cost_allocation_tag_keys as cost allocation tags. Account-wide (and only possible in an organization's management account): exactly one root per account may own it, or destroying one environment deactivates them for all."
  type        = bool
  default     = false
}

variable "cost_allocation_tag_keys" {
  description = "User tag keys to activate for cost allocation (Billing shows costs by them about 24 hours after activation)."
  type        = list(string)
  default     = ["Environment", "Project", "CostCenter"]

  validation {
    condition     = alltrue([for k in var.cost_allocation_tag_keys : length(k) > 0 && length(k) <= 128 && !startswith(k, "aws:")])
    error_message = "cost_allocation_tag_keys must be user tag keys (1-128 characters, not aws:*)."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
