# The model registry's AWS side, offline (aws provider mocked; only its schema comes from
# the local mirror): a private, encrypted PostgreSQL whose master password RDS keeps in
# Secrets Manager (never in state or tfvars), Multi-AZ when asked, and MLflow's role:
# mlflow/ of the bucket and the master secret, nothing else. scripts/iam-test evaluates
# the applied role with principalmapper (tests/iam/test_workload_roles.py). Run by
# scripts/infra-test.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { id = "us-east-1", name = "us-east-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  mock_resource "aws_db_instance" {
    defaults = {
      address = "mlops-test-mlflow.abcdefghijkl.us-east-1.rds.amazonaws.com"
      arn     = "arn:aws:rds:us-east-1:123456789012:db:mlops-test-mlflow"
      port    = 5432
      master_user_secret = [{
        secret_arn    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0123abcd-AbCdEf"
        kms_key_id    = "arn:aws:kms:us-east-1:123456789012:key/0123abcd-0000-0000-0000-000000000000"
        secret_status = "active"
      }]
    }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mlops-test-mlflow" }
  }
}

variables {
  name                 = "mlops-test"
  cluster_name         = "mlops-test-cluster"
  vpc_id               = "vpc-0123456789abcdef0"
  subnet_ids           = ["subnet-0a", "subnet-0b", "subnet-0c"]
  client_cidr_blocks   = ["10.9.0.0/20", "10.9.16.0/20"]
  kms_key_arn          = "arn:aws:kms:us-east-1:123456789012:key/0123abcd-0000-0000-0000-000000000000"
  bucket_arn           = "arn:aws:s3:::mlops-platform-artifacts-test-123456789012"
  permissions_boundary = "arn:aws:iam::123456789012:policy/mlops-boundary-test"
}

run "private_encrypted_database_with_a_managed_password" {
  command = apply

  assert {
    condition = (
      aws_db_instance.this.manage_master_user_password == true &&
      aws_db_instance.this.password == null &&
      aws_db_instance.this.master_user_secret_kms_key_id == var.kms_key_arn
    )
    error_message = "The master password must be managed by RDS in Secrets Manager (no password argument), encrypted with the environment key."
  }

  assert {
    condition = (
      aws_db_instance.this.storage_encrypted && aws_db_instance.this.kms_key_id == var.kms_key_arn &&
      aws_db_instance.this.performance_insights_kms_key_id == var.kms_key_arn &&
      aws_cloudwatch_log_group.postgresql.kms_key_id == var.kms_key_arn
    )
    error_message = "Storage, Performance Insights and the log group must be encrypted with the environment key."
  }

  assert {
    condition = (
      aws_db_instance.this.publicly_accessible == false &&
      aws_db_subnet_group.this.subnet_ids == toset(var.subnet_ids) &&
      toset([for r in aws_vpc_security_group_ingress_rule.postgres : r.cidr_ipv4]) == toset(var.client_cidr_blocks) &&
      alltrue([for r in aws_vpc_security_group_ingress_rule.postgres : r.from_port == 5432 && r.to_port == 5432])
    )
    error_message = "The database must be private, in the given subnets, reachable on 5432 from the client CIDRs only."
  }

  assert {
    condition     = one([for p in aws_db_parameter_group.this.parameter : p.value if p.name == "rds.force_ssl"]) == "1"
    error_message = "The parameter group must force TLS."
  }

  assert {
    condition     = aws_db_instance.this.multi_az && aws_db_instance.this.deletion_protection && !aws_db_instance.this.skip_final_snapshot
    error_message = "By default the database is Multi-AZ, protected from deletion and keeps a final snapshot."
  }
}

run "the_role_reads_the_master_secret_and_mlflow_artifacts_only" {
  command = apply

  assert {
    condition = (
      module.role.role_name == "mlops-test-mlflow" && module.role.permissions_boundary == var.permissions_boundary &&
      module.role.association.namespace == "mlflow" && module.role.association.service_account == "mlflow"
    )
    error_message = "The role must be mlops-test-mlflow with the boundary, bound to mlflow/mlflow."
  }

  assert {
    condition = jsonencode({ for s in jsondecode(output.policy).Statement : s.Sid => s.Resource }) == jsonencode({
      ListArtifacts                 = var.bucket_arn
      ReadWriteArtifacts            = "${var.bucket_arn}/mlflow/*"
      FindTheDatabase               = "arn:aws:rds:us-east-1:123456789012:db:mlops-test-mlflow"
      DatabaseMasterSecret          = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0123abcd-AbCdEf"
      KeyThroughS3AndSecretsManager = var.kms_key_arn
    })
    error_message = "The role reaches mlflow/ of its bucket, this database's master secret and the key, nothing else: ${output.policy}"
  }

  assert {
    condition     = output.master_user_secret_arn == "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0123abcd-AbCdEf" && output.artifact_uri == "s3://mlops-platform-artifacts-test-123456789012/mlflow/"
    error_message = "The outputs name the secret (its ARN only) and the artifact destination."
  }
}

run "single_az_throwaway_database" {
  command = apply
  variables {
    multi_az            = false
    deletion_protection = false
    skip_final_snapshot = true
    instance_class      = "db.t4g.micro"
  }

  assert {
    condition     = !aws_db_instance.this.multi_az && aws_db_instance.this.skip_final_snapshot && aws_db_instance.this.final_snapshot_identifier == null && aws_db_instance.this.instance_class == "db.t4g.micro"
    error_message = "dev's database is single-AZ and may go without a final snapshot."
  }
}

run "the_world_is_refused_as_a_client" {
  command = plan
  variables {
    client_cidr_blocks = ["0.0.0.0/0"]
  }
  expect_failures = [var.client_cidr_blocks]
}

run "one_subnet_is_refused" {
  command = plan
  variables {
    subnet_ids = ["subnet-0a"]
  }
  expect_failures = [var.subnet_ids]
}
