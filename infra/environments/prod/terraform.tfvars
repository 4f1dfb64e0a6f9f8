# prod: one NAT gateway per AZ, larger nodes, a year of logs.
env        = "prod"
region     = "us-east-1"
account_id = "111111111111"
repository = "example-org/mlops-platform"

vpc_cidr           = "10.2.0.0/16"
azs                = ["us-east-1a", "us-east-1b", "us-east-1c"]
single_nat_gateway = false

kubernetes_version  = "1.35"
node_instance_types = ["m6i.xlarge", "m6a.xlarge"]
node_min_size       = 3
node_desired_size   = 3
node_max_size       = 10
node_disk_size      = 100

endpoint_public_access = false

log_retention_days          = 365
kms_deletion_window_in_days = 30
force_destroy               = false

# Karpenter NodePool capacity: on-demand only (no spot interruptions in prod).
karpenter_capacity_types = ["on-demand"]

# GPU NodePool (platform/environments/prod/gpu-nodepool): up to four A10G GPUs on demand
# (a reclaimed spot node would cut serving). The budget below covers them all month.
gpu_instance_types = ["g5.xlarge", "g5.2xlarge"]
gpu_limit          = 4
gpu_capacity_types = ["on-demand"]

# MLflow (infra/modules/mlflow): PostgreSQL, Multi-AZ (the default in prod).
mlflow_instance_class = "db.t4g.medium"
mlflow_max_storage_gb = 100

# Cost guardrails (infra/modules/cost): budget from the cost table in infra/README.md
# (GPU pool at its limit and the MLflow database included) with headroom; alerts and the daily anomaly summary
# go to these addresses.
monthly_budget_usd = 5300
cost_alert_emails  = ["platform-team@example.com"]
# prod owns the account-wide cost allocation tags (Environment, Project, CostCenter):
# one owner per account, so destroying dev or stage never deactivates them.
manage_cost_allocation_tags = true

tags = {
  Owner      = "platform-team"
  CostCenter = "mlops-prod"
}
