# The model registry's AWS side: MLflow's PostgreSQL backend store on RDS in the private
# subnets, encrypted with the environment's key, its master password created and kept by
# RDS in Secrets Manager (manage_master_user_password: the password is never in Terraform
# state, tfvars or the repository), and MLflow's EKS Pod Identity role: artifacts under
# mlflow/ of the environment's bucket and the master secret, which no other workload role
# may read. The tracking server itself (Deployment, Service, NetworkPolicy, internal
# Ingress) is under platform/base/mlflow.

data "aws_region" "current" {}

locals {
  identifier  = "${var.name}-mlflow"
  bucket_name = element(split(":::", var.bucket_arn), 1)
  secret_arn  = aws_db_instance.this.master_user_secret[0].secret_arn
}

################################################################################
# Network: private subnets, PostgreSQL from the cluster's subnets only
################################################################################

resource "aws_db_subnet_group" "this" {
  name        = local.identifier
  description = "Private subnets of the MLflow database of ${var.cluster_name}"
  subnet_ids  = var.subnet_ids
  tags        = var.tags
}

resource "aws_security_group" "db" {
  name        = "${local.identifier}-db"
  description = "MLflow PostgreSQL of ${var.cluster_name}: 5432 from the cluster's private subnets, nothing out"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${local.identifier}-db" })
}

resource "aws_vpc_security_group_ingress_rule" "postgres" {
  for_each = toset(var.client_cidr_blocks)

  security_group_id = aws_security_group.db.id
  description       = "PostgreSQL from ${each.value} (pods of ${var.cluster_name})"
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 5432
  cidr_ipv4         = each.value
  tags              = var.tags
}

################################################################################
# Database
################################################################################

# Clients must use TLS; connections are logged.
resource "aws_db_parameter_group" "this" {
  name        = local.identifier
  family      = "postgres${var.engine_version}"
  description = "MLflow PostgreSQL ${var.engine_version}: TLS only, connection logging"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }
  parameter {
    name  = "log_connections"
    value = "1"
  }
  parameter {
    name  = "log_disconnections"
    value = "1"
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_cloudwatch_log_group" "postgresql" {
  #checkov:skip=CKV_AWS_338:Retention is a per-environment input; prod keeps 365 days, dev and stage less to limit cost.
  name              = "/aws/rds/instance/${local.identifier}/postgresql"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_db_instance" "this" {
  #checkov:skip=CKV_AWS_118:Enhanced Monitoring needs a role with the AWS managed AmazonRDSEnhancedMonitoringRole policy, which the apply roles may not attach; Performance Insights and the exported PostgreSQL log cover the registry's database.
  identifier     = local.identifier
  engine         = "postgres"
  engine_version = var.engine_version
  instance_class = var.instance_class

  db_name  = "mlflow"
  username = "mlflow"
  # RDS generates the password and keeps it in Secrets Manager, encrypted with the
  # environment's key; Terraform never sees it. MLflow's pod reads it with its own role.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.kms_key_arn

  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  multi_az               = var.multi_az
  parameter_group_name   = aws_db_parameter_group.this.name

  storage_type          = "gp3"
  allocated_storage     = var.allocated_storage_gb
  max_allocated_storage = var.max_allocated_storage_gb
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  iam_database_authentication_enabled = true
  auto_minor_version_upgrade          = true
  backup_retention_period             = var.backup_retention_days
  copy_tags_to_snapshot               = true
  deletion_protection                 = var.deletion_protection
  skip_final_snapshot                 = var.skip_final_snapshot
  final_snapshot_identifier           = var.skip_final_snapshot ? null : "${local.identifier}-final"

  performance_insights_enabled    = true
  performance_insights_kms_key_id = var.kms_key_arn

  enabled_cloudwatch_logs_exports = ["postgresql", "upgrade"]

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.postgresql]
}

################################################################################
# MLflow's role (EKS Pod Identity)
################################################################################

module "role" {
  source = "../pod-identity-role"

  name    = local.identifier
  purpose = "MLflow tracking server (${var.artifact_prefix} of ${local.bucket_name}, the database's master secret)"
  binding = {
    cluster_name    = var.cluster_name
    namespace       = var.service_account.namespace
    service_account = var.service_account.service_account
    associate       = var.create_pod_identity_association
  }
  permissions_boundary = var.permissions_boundary
  policy = {
    name = "mlflow"
    json = jsonencode({
      Version = "2012-10-17"
      Statement = [
        {
          Sid       = "ListArtifacts"
          Effect    = "Allow"
          Action    = "s3:ListBucket"
          Resource  = var.bucket_arn
          Condition = { StringLike = { "s3:prefix" = [var.artifact_prefix, "${var.artifact_prefix}*"] } }
        },
        {
          # MLflow deletes the artifacts of runs a user deletes (mlflow gc).
          Sid      = "ReadWriteArtifacts"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
          Resource = "${var.bucket_arn}/${var.artifact_prefix}*"
        },
        {
          # The pod finds the database's host and its secret's ARN (RDS picks the name)
          # from the instance, so no ARN or host is written into the manifests.
          Sid      = "FindTheDatabase"
          Effect   = "Allow"
          Action   = "rds:DescribeDBInstances"
          Resource = aws_db_instance.this.arn
        },
        {
          Sid      = "DatabaseMasterSecret"
          Effect   = "Allow"
          Action   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
          Resource = local.secret_arn
        },
        {
          Sid      = "KeyThroughS3AndSecretsManager"
          Effect   = "Allow"
          Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
          Resource = var.kms_key_arn
          Condition = { StringEquals = { "kms:ViaService" = [
            "s3.${data.aws_region.current.id}.amazonaws.com",
            "secretsmanager.${data.aws_region.current.id}.amazonaws.com",
          ] } }
        },
      ]
    })
  }
  tags = var.tags
}
