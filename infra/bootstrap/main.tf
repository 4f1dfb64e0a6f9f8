locals {
  log_bucket_name = "${var.state_bucket_name}-access-logs"
  log_prefix      = "s3-access-logs/${var.state_bucket_name}/"
}

################################################################################
# KMS key for the state bucket
################################################################################

resource "aws_kms_key" "state" {
  description             = "Terraform state (${var.state_bucket_name})"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_in_days

  # The key policy is aws_kms_key_policy.state below: it names the CI roles, which
  # are created after the key.

  lifecycle {
    prevent_destroy = true
  }
}

# Named administrators and users instead of "the account root": IAM policies alone
# cannot grant use of this key. Only the break-glass principals may delete it,
# disable it or change this policy (which also keeps them from locking themselves
# out: the policy always names them).
resource "aws_kms_key_policy" "state" {
  key_id = aws_kms_key.state.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat([
      {
        # Named through the account and narrowed by aws:PrincipalArn, not as
        # principals: a key policy stores a named role as its unique ID, so a
        # deleted and re-created break-glass role would no longer match and
        # nobody could administer the key again. The ARN condition matches the
        # re-created role (whose own IAM policy must still allow kms:*).
        Sid       = "KeyAdministrators"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
        Condition = { ArnEquals = { "aws:PrincipalArn" = var.break_glass_principal_arns } }
      },
      {
        Sid       = "ApplyRolesUseKey"
        Effect    = "Allow"
        Principal = { AWS = [for e in local.local_environments : local.apply_role_arn[e]] }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        Resource  = "*"
      },
      {
        Sid       = "PlanRolesReadState"
        Effect    = "Allow"
        Principal = { AWS = [for e in local.local_environments : local.plan_role_arn[e]] }
        Action    = ["kms:Decrypt", "kms:DescribeKey"]
        Resource  = "*"
      },
      ], [
      # Roles in an environment's own account are named through that account
      # (its root principal, narrowed to the role by aws:PrincipalArn): a key
      # policy may not name a role that does not exist yet, and those roles are
      # created after this key (infra/bootstrap/account needs its ARN).
      for e in local.remote_environments : {
        Sid       = "CrossAccountRolesUseKey${title(e)}"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${local.environment_account[e]}:root" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        Resource  = "*"
        Condition = { ArnEquals = { "aws:PrincipalArn" = [local.apply_role_arn[e], local.plan_role_arn[e]] } }
      }
      ], [
      {
        Sid       = "DenyKeyChangesExceptBreakGlass"
        Effect    = "Deny"
        Principal = { AWS = "*" }
        Action = [
          "kms:CancelKeyDeletion",
          "kms:DisableKey",
          "kms:DisableKeyRotation",
          "kms:PutKeyPolicy",
          "kms:ScheduleKeyDeletion",
          "kms:UpdateKeyDescription",
        ]
        Resource  = "*"
        Condition = { ArnNotEquals = { "aws:PrincipalArn" = var.break_glass_principal_arns } }
      },
    ])
  })

  # The policy names this account's CI roles by ARN: they must exist first.
  depends_on = [module.ci_roles]
}

resource "aws_kms_alias" "state" {
  name          = "alias/${var.project}-tfstate"
  target_key_id = aws_kms_key.state.key_id
}

################################################################################
# State bucket
################################################################################

resource "aws_s3_bucket" "state" {
  #checkov:skip=CKV_AWS_144:State is versioned, KMS-encrypted and protected by prevent_destroy; a single-region platform does not need a replica (add one when a DR region exists).
  #checkov:skip=CKV2_AWS_62:Nothing consumes state-bucket events; access is audited through server access logs.
  bucket = var.state_bucket_name

  tags = { Purpose = "terraform-state" }

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_s3_bucket_ownership_controls" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "state" {
  bucket = aws_s3_bucket.state.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "state" {
  bucket = aws_s3_bucket.state.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.state.arn
    }
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "state" {
  bucket = aws_s3_bucket.state.id

  rule {
    id     = "expire-old-state-versions"
    status = "Enabled"

    # An explicit empty prefix (whole bucket) reads back identically from the API.
    filter {
      prefix = ""
    }

    noncurrent_version_expiration {
      noncurrent_days = var.state_noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.state]
}

locals {
  # Who may write each state prefix: that environment's apply role; the
  # bootstrap's prefix only the break-glass principals (who may write everywhere).
  state_prefix_writers = merge(
    { for e in var.environments : e => concat([local.apply_role_arn[e]], var.break_glass_principal_arns) },
    { bootstrap = var.break_glass_principal_arns },
  )
}

resource "aws_s3_bucket_policy" "state" {
  bucket = aws_s3_bucket.state.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid       = "DenyInsecureTransport"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          Action    = "s3:*"
          Resource  = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        },
      ],
      [
        for p, writers in local.state_prefix_writers : {
          Sid       = "OnlyOwnerWrites${title(p)}State"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          Action    = ["s3:PutObject", "s3:DeleteObject", "s3:RestoreObject"]
          Resource  = "${aws_s3_bucket.state.arn}/${p}/*"
          Condition = { ArnNotEquals = { "aws:PrincipalArn" = writers } }
        }
      ],
      [
        # Reads from the bucket's side too: a plan role reads only its own
        # environment's prefix, whatever its IAM policies say.
        for e in var.environments : {
          Sid       = "OnlyOwnPlanRoleReads${title(e)}State"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          Action    = ["s3:GetObject", "s3:GetObjectVersion"]
          Resource  = "${aws_s3_bucket.state.arn}/${e}/*"
          Condition = {
            ArnLike      = { "aws:PrincipalArn" = "arn:aws:iam::*:role/${var.project}-gha-plan-*" }
            ArnNotEquals = { "aws:PrincipalArn" = local.plan_role_arn[e] }
          }
        }
      ],
      # Roles in an environment's own account need the bucket's grant as well as
      # their own policy's; each gets exactly its own prefix (apply) or its own
      # state object (plan), and the denies above still apply.
      flatten([
        for e in local.remote_environments : [
          {
            Sid       = "CrossAccountList${title(e)}"
            Effect    = "Allow"
            Principal = { AWS = "arn:aws:iam::${local.environment_account[e]}:root" }
            Action    = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"]
            Resource  = aws_s3_bucket.state.arn
            Condition = { ArnEquals = { "aws:PrincipalArn" = [local.apply_role_arn[e], local.plan_role_arn[e]] } }
          },
          {
            Sid       = "CrossAccountApply${title(e)}State"
            Effect    = "Allow"
            Principal = { AWS = "arn:aws:iam::${local.environment_account[e]}:root" }
            Action    = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
            Resource  = ["${aws_s3_bucket.state.arn}/${e}/terraform.tfstate", "${aws_s3_bucket.state.arn}/${e}/terraform.tfstate.tflock"]
            Condition = { ArnEquals = { "aws:PrincipalArn" = local.apply_role_arn[e] } }
          },
          {
            Sid       = "CrossAccountPlan${title(e)}State"
            Effect    = "Allow"
            Principal = { AWS = "arn:aws:iam::${local.environment_account[e]}:root" }
            Action    = "s3:GetObject"
            Resource  = "${aws_s3_bucket.state.arn}/${e}/terraform.tfstate"
            Condition = { ArnEquals = { "aws:PrincipalArn" = local.plan_role_arn[e] } }
          },
        ]
      ]),
      [
        {
          Sid         = "DenyWritesOutsideStatePrefixes"
          Effect      = "Deny"
          Principal   = { AWS = "*" }
          Action      = ["s3:PutObject", "s3:DeleteObject", "s3:RestoreObject"]
          NotResource = [for p in local.state_prefixes : "${aws_s3_bucket.state.arn}/${p}/*"]
          Condition   = { ArnNotEquals = { "aws:PrincipalArn" = var.break_glass_principal_arns } }
        },
        {
          # The bucket's own settings (policy, versioning, logging, notifications,
          # inventory, request payment, replication...): only break-glass.
          Sid       = "OnlyBreakGlassChangesBucket"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          NotAction = ["s3:ListBucket*", "s3:GetBucket*", "s3:Get*Configuration"]
          Resource  = aws_s3_bucket.state.arn
          Condition = { ArnNotEquals = { "aws:PrincipalArn" = var.break_glass_principal_arns } }
        },
        {
          # Old versions are the way back from a bad apply; only expiry removes them.
          Sid       = "DenyVersionDeletes"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          Action    = ["s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"]
          Resource  = "${aws_s3_bucket.state.arn}/*"
          Condition = { ArnNotEquals = { "aws:PrincipalArn" = var.break_glass_principal_arns } }
        },
        {
          # An access point would be a second door with its own policy.
          Sid       = "DenyAccessPoints"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          Action    = "s3:*"
          Resource  = [aws_s3_bucket.state.arn, "${aws_s3_bucket.state.arn}/*"]
          Condition = { Null = { "s3:DataAccessPointArn" = "false" } }
        },
        {
          # Writes may not name another key or another encryption; a write
          # without these headers gets the bucket default, which is this key.
          # (A deny on a missing header would also refuse writes that rely on
          # the default, e.g. lock files.)
          Sid       = "RequireStateKey"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          Action    = "s3:PutObject"
          Resource  = "${aws_s3_bucket.state.arn}/*"
          Condition = {
            StringNotEquals = {
              "s3:x-amz-server-side-encryption-aws-kms-key-id" = [aws_kms_key.state.arn, aws_kms_alias.state.arn]
            }
            Null = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = "false" }
          }
        },
        {
          Sid       = "RequireKmsEncryption"
          Effect    = "Deny"
          Principal = { AWS = "*" }
          Action    = "s3:PutObject"
          Resource  = "${aws_s3_bucket.state.arn}/*"
          Condition = {
            StringNotEquals = { "s3:x-amz-server-side-encryption" = "aws:kms" }
            Null            = { "s3:x-amz-server-side-encryption" = "false" }
          }
        },
      ],
    )
  })

  depends_on = [aws_s3_bucket_public_access_block.state]
}

resource "aws_s3_bucket_logging" "state" {
  bucket        = aws_s3_bucket.state.id
  target_bucket = module.state_access_logs.id
  target_prefix = local.log_prefix

  depends_on = [module.state_access_logs]
}

################################################################################
# Access-log bucket for the state bucket
################################################################################

module "state_access_logs" {
  source = "../modules/log-bucket"

  bucket               = local.log_bucket_name
  retention_days       = var.access_log_retention_days
  admin_principal_arns = var.break_glass_principal_arns
  delivery_statements = [{
    Sid       = "AllowS3ServerAccessLogDelivery"
    Effect    = "Allow"
    Principal = { Service = "logging.s3.amazonaws.com" }
    Action    = "s3:PutObject"
    Resource  = "arn:aws:s3:::${local.log_bucket_name}/${local.log_prefix}*"
    Condition = {
      ArnLike      = { "aws:SourceArn" = aws_s3_bucket.state.arn }
      StringEquals = { "aws:SourceAccount" = var.account_id }
    }
  }]

  tags = { Purpose = "s3-access-logs" }
}

# The log bucket's resources were root resources before the module.
moved {
  from = aws_s3_bucket.logs
  to   = module.state_access_logs.aws_s3_bucket.this
}
moved {
  from = aws_s3_bucket_ownership_controls.logs
  to   = module.state_access_logs.aws_s3_bucket_ownership_controls.this
}
moved {
  from = aws_s3_bucket_public_access_block.logs
  to   = module.state_access_logs.aws_s3_bucket_public_access_block.this
}
moved {
  from = aws_s3_bucket_versioning.logs
  to   = module.state_access_logs.aws_s3_bucket_versioning.this
}
moved {
  from = aws_s3_bucket_server_side_encryption_configuration.logs
  to   = module.state_access_logs.aws_s3_bucket_server_side_encryption_configuration.this
}
moved {
  from = aws_s3_bucket_lifecycle_configuration.logs
  to   = module.state_access_logs.aws_s3_bucket_lifecycle_configuration.this
}
moved {
  from = aws_s3_bucket_policy.logs
  to   = module.state_access_logs.aws_s3_bucket_policy.this
}
