################################################################################
# Account audit: one CloudTrail trail and IAM Access Analyzer
################################################################################

# In the single-account layout every environment's apply role shares one account.
# The trail records what each of them did (every region, management events,
# digest files for validation, encrypted with its own key) into a bucket that only
# the break-glass principals can change; the CI roles and every environment's
# boundary deny the trail, the bucket and the analyzer (modules/ci-roles,
# DenyAccountWideChanges and DenyAuditBuckets). This root owns them so that no
# environment's apply can switch them off.

locals {
  trail_name        = "${var.project}-account-trail"
  trail_arn         = "arn:aws:cloudtrail:${var.region}:${var.account_id}:trail/${local.trail_name}"
  trail_bucket_name = "${var.state_bucket_name}-cloudtrail"
}

resource "aws_kms_key" "trail" {
  #checkov:skip=CKV2_AWS_64:The key policy is set inline (policy below): it names the trail, which names this key, so a separate aws_kms_key_policy would add nothing but a second apply step.
  description             = "CloudTrail ${local.trail_name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_in_days

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "KeyAdministrators"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
        Condition = { ArnEquals = { "aws:PrincipalArn" = var.break_glass_principal_arns } }
      },
      {
        Sid       = "CloudTrailEncryptsLogs"
        Effect    = "Allow"
        Principal = { Service = "cloudtrail.amazonaws.com" }
        Action    = ["kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          StringEquals = { "aws:SourceArn" = local.trail_arn }
          StringLike   = { "kms:EncryptionContext:aws:cloudtrail:arn" = "arn:aws:cloudtrail:*:${var.account_id}:trail/*" }
        }
      },
      {
        # Reading the logs: the break-glass principals (auditors can be added).
        Sid       = "AdministratorsDecryptLogs"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
        Action    = ["kms:Decrypt", "kms:ReEncryptFrom"]
        Resource  = "*"
        Condition = {
          ArnEquals  = { "aws:PrincipalArn" = var.break_glass_principal_arns }
          StringLike = { "kms:EncryptionContext:aws:cloudtrail:arn" = "arn:aws:cloudtrail:*:${var.account_id}:trail/*" }
        }
      },
    ]
  })
}

resource "aws_kms_alias" "trail" {
  name          = "alias/${local.trail_name}"
  target_key_id = aws_kms_key.trail.key_id
}

module "trail_bucket" {
  source = "../modules/log-bucket"

  bucket               = local.trail_bucket_name
  retention_days       = var.trail_retention_days
  lifecycle_rule_id    = "expire-trail-logs"
  admin_principal_arns = var.break_glass_principal_arns
  delivery_statements = [
    {
      Sid       = "CloudTrailAclCheck"
      Effect    = "Allow"
      Principal = { Service = "cloudtrail.amazonaws.com" }
      Action    = "s3:GetBucketAcl"
      Resource  = "arn:aws:s3:::${local.trail_bucket_name}"
      Condition = { StringEquals = { "aws:SourceArn" = local.trail_arn } }
    },
    {
      Sid       = "CloudTrailWrite"
      Effect    = "Allow"
      Principal = { Service = "cloudtrail.amazonaws.com" }
      Action    = "s3:PutObject"
      Resource  = "arn:aws:s3:::${local.trail_bucket_name}/AWSLogs/${var.account_id}/*"
      Condition = {
        StringEquals = {
          "aws:SourceArn" = local.trail_arn
          "s3:x-amz-acl"  = "bucket-owner-full-control"
        }
      }
    },
  ]

  tags = { Purpose = "cloudtrail" }
}

resource "aws_cloudtrail" "account" {
  #checkov:skip=CKV_AWS_252:No SNS topic: nothing subscribes to delivery notifications; the digest files prove completeness.
  #checkov:skip=CKV2_AWS_10:Not sent to CloudWatch Logs: the apply roles may write log groups, the trail bucket is out of their reach.
  name                          = local.trail_name
  s3_bucket_name                = module.trail_bucket.id
  is_multi_region_trail         = true
  include_global_service_events = true
  enable_log_file_validation    = true
  kms_key_id                    = aws_kms_key.trail.arn

  depends_on = [module.trail_bucket]
}

# External access: resources (buckets, keys, roles, queues...) shared with a
# principal outside the account, e.g. a trust policy an apply role set on a
# role it may edit. Not available in moto (sandbox/bootstrap-moto.tfvars).
resource "aws_accessanalyzer_analyzer" "account" {
  count = var.create_access_analyzer ? 1 : 0

  analyzer_name = "${var.project}-external-access"
  type          = "ACCOUNT"
}
