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

  enable_budget                 = var.enable_budget
  enable_cost_anomaly_detection = var.enable_cost_anomaly_detection
  manage_cost_allocation_tags   = var.manage_cost_allocation_tags
}
