# A bucket that receives logs (S3 server access logs, CloudTrail): private,
# versioned, encrypted, expiring, TLS only, writable by the delivering service
# alone. One definition for every log bucket, so a hardening added here reaches
# all of them.

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18:This bucket is a log target; logging it into itself would loop.
  #checkov:skip=CKV_AWS_145:S3 server access log delivery only supports SSE-S3 (AES256) on its target; CloudTrail encrypts its files with its own KMS key whatever the bucket default.
  #checkov:skip=CKV_AWS_144:Logs are kept in-region for audit; replication is not worth its cost here.
  #checkov:skip=CKV2_AWS_62:Nothing consumes log-bucket events.
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
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = var.lifecycle_rule_id
    status = "Enabled"

    # An explicit empty prefix (whole bucket) reads back identically from the API.
    filter {
      prefix = ""
    }

    expiration {
      days = var.retention_days
    }

    noncurrent_version_expiration {
      noncurrent_days = 7
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

locals {
  arns = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]

  # Logs are evidence: only the named administrators may change the bucket or
  # its objects. Delivering services carry no aws:PrincipalArn and are not
  # affected; reads stay with IAM.
  admin_only_statements = length(var.admin_principal_arns) == 0 ? [] : [{
    Sid       = "OnlyAdministratorsChangeLogs"
    Effect    = "Deny"
    Principal = { AWS = "*" }
    NotAction = ["s3:Get*", "s3:List*"]
    Resource  = local.arns
    Condition = {
      ArnNotEquals = { "aws:PrincipalArn" = var.admin_principal_arns }
      Null         = { "aws:PrincipalArn" = "false" }
    }
  }]
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid       = "DenyInsecureTransport"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          Action    = "s3:*"
          Resource  = local.arns
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        },
      ],
      var.delivery_statements,
      local.admin_only_statements,
      [
        {
          # Nobody reads or writes logs through an access point.
          Sid       = "DenyAccessPoints"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          Action    = "s3:*"
          Resource  = local.arns
          Condition = { Null = { "s3:DataAccessPointArn" = "false" } }
        },
      ],
    )
  })

  depends_on = [aws_s3_bucket_public_access_block.this]
}
