# stage: production-like topology at reduced size, one shared NAT gateway.
env        = "stage"
region     = "us-east-1"
account_id = "111111111111"
repository = "example-org/mlops-platform"

vpc_cidr           = "10.1.0.0/16"
azs                = ["us-east-1a", "us-east-1b", "us-east-1c"]
single_nat_gateway = true

kubernetes_version  = "1.35"
node_instance_types = ["m6i.large"]
node_min_size       = 2
node_desired_size   = 2
node_max_size       = 5
node_disk_size      = 80

endpoint_public_access = false

log_retention_days          = 90
kms_deletion_window_in_days = 30
force_destroy               = false

# Karpenter NodePool capacity: spot first, on-demand when spot is short.
karpenter_capacity_types = ["spot", "on-demand"]

# GPU NodePool (platform/environments/stage/gpu-nodepool): two GPUs, spot first, for
# training runs at production scale. The budget below covers them on demand.
gpu_instance_types = ["g4dn.xlarge", "g5.xlarge"]
gpu_limit          = 2
gpu_capacity_types = ["spot", "on-demand"]

# MLflow (infra/modules/mlflow): PostgreSQL, single-AZ.
mlflow_instance_class = "db.t4g.small"

# Cost guardrails (infra/modules/cost): budget from the cost table in infra/README.md
# (GPU pool at its limit and the MLflow database included) with headroom; alerts and the daily anomaly summary
# go to these addresses.
monthly_budget_usd = 2200
cost_alert_emails  = ["platform-team@example.com"]
# AMP ingestion is the largest observability cost (about $0.90 per 10M samples);
# scraping every 60 s instead of prod's 30 s halves it outside prod.
amp_scrape_interval = "60s"

tags = {
  Owner      = "platform-team"
  CostCenter = "mlops-stage"
}
