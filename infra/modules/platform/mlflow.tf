################################################################################
# Model registry: MLflow's PostgreSQL on RDS and its Pod Identity role
################################################################################

# The tracking server runs in the cluster (platform/base/mlflow); what it needs from AWS
# is here: the database in the private subnets (Multi-AZ in prod), its master password
# kept by RDS in Secrets Manager, and a role that reads that secret and mlflow/ of the
# artifact bucket.
module "mlflow" {
  source = "../mlflow"
  count  = var.enable_mlflow ? 1 : 0

  name               = local.name
  cluster_name       = module.eks.cluster_name
  vpc_id             = module.vpc.vpc_id
  subnet_ids         = module.vpc.private_subnets
  client_cidr_blocks = module.vpc.private_subnets_cidr_blocks
  kms_key_arn        = aws_kms_key.this.arn
  bucket_arn         = module.artifacts.s3_bucket_arn

  instance_class           = var.mlflow_instance_class
  multi_az                 = local.mlflow_multi_az
  max_allocated_storage_gb = var.mlflow_max_storage_gb
  # A throwaway environment (force_destroy) may delete the registry with the rest.
  deletion_protection = !var.force_destroy
  skip_final_snapshot = var.force_destroy
  log_retention_days  = var.log_retention_days

  permissions_boundary            = local.permissions_boundary
  create_pod_identity_association = var.enable_pod_identity_associations
}

# The tracking server's image (MLflow with the PostgreSQL driver and boto3,
# platform/images/mlflow/Dockerfile), next to model-serving's.
module "ecr_mlflow" {
  source = "../ecr"
  count  = var.enable_mlflow ? 1 : 0

  repository_name                 = "${local.name}/mlflow"
  repository_image_tag_mutability = "IMMUTABLE"
  repository_image_scan_on_push   = true
  repository_encryption_type      = "KMS"
  repository_kms_key              = aws_kms_key.this.arn
  repository_force_delete         = var.force_destroy
  create_lifecycle_policy         = true
}

locals {
  mlflow_multi_az = coalesce(var.mlflow_multi_az, var.env == "prod")

  # PostgreSQL list price per instance-hour in us-east-1, single-AZ (Multi-AZ is twice
  # that), and gp3 storage per GB-month; dated and sourced in infra/README.md.
  rds_postgres_hourly_usd = {
    "db.t4g.micro"  = 0.016
    "db.t4g.small"  = 0.032
    "db.t4g.medium" = 0.065
    "db.t4g.large"  = 0.129
  }
  rds_gp3_gb_month_usd = 0.115

  # At its storage ceiling, all month: what the budget must cover.
  mlflow_monthly_usd_max = var.enable_mlflow ? (local.mlflow_multi_az ? 2 : 1) * (
    local.rds_postgres_hourly_usd[var.mlflow_instance_class] * local.hours_per_month +
    local.rds_gp3_gb_month_usd * var.mlflow_max_storage_gb
  ) : 0
}
