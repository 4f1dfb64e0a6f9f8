################################################################################
# GPU capacity: what its limit costs, for the budget
################################################################################

# The GPU NodePool and EC2NodeClass are in-cluster objects (platform/base/gpu-nodepool
# with one overlay per environment); scripts/validate-manifests checks that their
# instance types, capacity types and nvidia.com/gpu limit equal the variables here.
# Terraform's part is the money: the budget (cost.tf) must cover the limit.
locals {
  # On-demand Linux list price in us-east-1 per instance-hour, and GPUs per instance.
  # Dated and sourced in infra/README.md ("Monthly cost at list price"); a type not
  # listed here is refused by gpu_instance_types.
  gpu_instance_prices = {
    "g4dn.xlarge"  = { usd_per_hour = 0.526, gpus = 1 } # NVIDIA T4 16 GB
    "g4dn.2xlarge" = { usd_per_hour = 0.752, gpus = 1 } # NVIDIA T4 16 GB
    "g5.xlarge"    = { usd_per_hour = 1.006, gpus = 1 } # NVIDIA A10G 24 GB
    "g5.2xlarge"   = { usd_per_hour = 1.212, gpus = 1 } # NVIDIA A10G 24 GB
    "g5.12xlarge"  = { usd_per_hour = 5.672, gpus = 4 } # 4 x NVIDIA A10G 24 GB
  }

  hours_per_month = 730

  # The dearest GPU-hour among the allowed types, so the bound holds whichever type
  # Karpenter picks (spot only makes it cheaper).
  gpu_hour_usd_max = max(0, [for t in var.gpu_instance_types : local.gpu_instance_prices[t].usd_per_hour / local.gpu_instance_prices[t].gpus]...)

  gpu_monthly_usd_max = var.gpu_limit * local.gpu_hour_usd_max * local.hours_per_month
}

