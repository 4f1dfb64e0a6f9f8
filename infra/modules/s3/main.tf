data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  partition       = data.aws_partition.current.partition
  create_log_bkt  = var.logging == null && var.create_access_log_bucket
  log_bucket_name = "${var.bucket}-access-logs"
  log_prefix      = "s3-access-logs/${var.bucket}/"

  tls_only_statement = {
    Sid       = "DenyInsecureTransport"
    Effect    = "Deny"
    Principal = { AWS = "*" }
    Action    = "s3:*"
    Resource  = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
    Condition = { Bool = { "aws:SecureTransport" = "false" } }
  }

  # An access point is a second name for the bucket, with its own policy; the
  # environments' isolation rules are written against bucket names, so data
  # goes through the bucket's own name only.
  access_point_statement = {
    Sid       = "DenyAccessPoints"
    Effect    = "Deny"
    Principal = { AWS = "*" }
    Action    = "s3:*"
    Resource  = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
    Condition = { Null = { "s3:DataAccessPointArn" = "false" } }
  }

  policy_statements = concat(
    var.attach_deny_insecure_transport_policy ? [local.tls_only_statement] : [],
    var.deny_access_points ? [local.access_point_statement] : [],
    var.policy_statements,
  )
}

################################################################################
# Bucket
################################################################################

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144:Single-region platform; artifacts are rebuildable from CI and versioned, cross-region replication is not worth its cost here.
  #checkov:skip=CKV2_AWS_62:No consumer for S3 event notifications; access is audited through server access logs.
  bucket        = var.bucket
  force_destroy = var.force_destroy

  tags = var.tags
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = var.versioning ? "Enabled" : "Suspended"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "noncurrent-versions-and-incomplete-uploads"
    status = "Enabled"

    # An explicit empty prefix (whole bucket) reads back identically from the API.
    filter {
      prefix = ""
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }

    dynamic "noncurrent_version_transition" {
      for_each = var.noncurrent_version_transition_days == null ? [] : [var.noncurrent_version_transition_days]
      content {
        noncurrent_days = noncurrent_version_transition.value
        storage_class   = "STANDARD_IA"
      }
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_policy" "this" {
  count = length(local.policy_statements) > 0 ? 1 : 0

  bucket = aws_s3_bucket.this.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = local.policy_statements
  })

  depends_on = [aws_s3_bucket_public_access_block.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.logging != null || local.create_log_bkt ? 1 : 0

  bucket        = aws_s3_bucket.this.id
  target_bucket = local.create_log_bkt ? module.logs[0].id : var.logging.target_bucket
  target_prefix = local.create_log_bkt ? local.log_prefix : var.logging.target_prefix

  depends_on = [module.logs]
}

################################################################################
# Companion access-log bucket
################################################################################

module "logs" {
  source = "../log-bucket"
  count  = local.create_log_bkt ? 1 : 0

  bucket                                 = local.log_bucket_name
  force_destroy                          = var.force_destroy
  retention_days                         = var.access_log_retention_days
  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days
  delivery_statements = [{
    Sid       = "AllowS3ServerAccessLogDelivery"
    Effect    = "Allow"
    Principal = { Service = "logging.s3.amazonaws.com" }
    Action    = "s3:PutObject"
    Resource  = "arn:${local.partition}:s3:::${local.log_bucket_name}/${local.log_prefix}*"
    Condition = {
      ArnLike      = { "aws:SourceArn" = aws_s3_bucket.this.arn }
      StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
    }
  }]

  tags = merge(var.tags, { Purpose = "s3-access-logs" })
}

# The log bucket's resources were this module's own before the log-bucket module.
moved {
  from = aws_s3_bucket.logs[0]
  to   = module.logs[0].aws_s3_bucket.this
}
moved {
  from = aws_s3_bucket_ownership_controls.logs[0]
  to   = module.logs[0].aws_s3_bucket_ownership_controls.this
}
moved {
  from = aws_s3_bucket_public_access_block.logs[0]
  to   = module.logs[0].aws_s3_bucket_public_access_block.this
}
moved {
  from = aws_s3_bucket_versioning.logs[0]
  to   = module.logs[0].aws_s3_bucket_versioning.this
}
moved {
  from = aws_s3_bucket_server_side_encryption_configuration.logs[0]
  to   = module.logs[0].aws_s3_bucket_server_side_encryption_configuration.this
}
moved {
  from = aws_s3_bucket_lifecycle_configuration.logs[0]
  to   = module.logs[0].aws_s3_bucket_lifecycle_configuration.this
}
moved {
  from = aws_s3_bucket_policy.logs[0]
  to   = module.logs[0].aws_s3_bucket_policy.this
}
