################################################################################
# Cost: monthly budget and anomaly monitor of the environment
################################################################################

# The S3 gateway endpoint (NAT data charges) is the vpc module's
# enable_s3_gateway_endpoint, on by default.
module "cost" {
  source = "../cost"

  name                  = local.name
  environment           = var.env
  monthly_budget_usd    = var.monthly_budget_usd
  alert_emails          = var.cost_alert_emails
  anomaly_threshold_usd = var.cost_anomaly_threshold_usd

  # Capacity the environment may scale up to on its own: the budget must cover it.
  committed_monthly_usd = { for k, v in {
    gpu             = local.gpu_monthly_usd_max
    mlflow_database = local.mlflow_monthly_usd_max
  } : k => v if v > 0 }

  enable_budget                 = var.enable_budget
  enable_cost_anomaly_detection = var.enable_cost_anomaly_detection
  manage_cost_allocation_tags   = var.manage_cost_allocation_tags
}
