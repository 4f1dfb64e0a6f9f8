# Dataset and model access without static keys: one EKS Pod Identity role per workload,
# scoped to key prefixes of the environment's artifact bucket. Training reads datasets/
# and writes models/; serving reads models/ only. Nothing names another bucket, so no
# workload reaches another environment's data. Pods mount the prefixes through the
# Mountpoint for Amazon S3 CSI driver (the EKS add-on this module asks for, see
# outputs.tf) with authenticationSource: pod, so Mountpoint uses the pod's own role, never
# a driver-wide one.

data "aws_region" "current" {}

locals {
  bucket_name = element(split(":::", var.bucket_arn), 1)

  # The key's use through S3 only (SSE-KMS objects); the role cannot decrypt anything
  # else with it, e.g. the database's master secret (Secrets Manager, same key).
  via_s3 = { StringEquals = { "kms:ViaService" = "s3.${data.aws_region.current.id}.amazonaws.com" } }

  # Listing under a prefix (Mountpoint lists the mounted prefix and its folders).
  list_prefix = { for k, p in { datasets = var.dataset_prefix, models = var.model_prefix } : k => {
    Effect    = "Allow"
    Action    = "s3:ListBucket"
    Resource  = var.bucket_arn
    Condition = { StringLike = { "s3:prefix" = [p, "${p}*"] } }
  } }

  policies = {
    training = {
      Version = "2012-10-17"
      Statement = [
        merge(local.list_prefix.datasets, { Sid = "ListDatasets" }),
        merge(local.list_prefix.models, { Sid = "ListModels" }),
        {
          Sid      = "ReadDatasets"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = "${var.bucket_arn}/${var.dataset_prefix}*"
        },
        {
          # Mountpoint writes new files with multipart uploads; no DeleteObject:
          # a training run adds model versions, it never removes one.
          Sid      = "WriteModels"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
          Resource = "${var.bucket_arn}/${var.model_prefix}*"
        },
        {
          Sid       = "BucketKeyThroughS3"
          Effect    = "Allow"
          Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
          Resource  = var.kms_key_arn
          Condition = local.via_s3
        },
      ]
    }
    serving = {
      Version = "2012-10-17"
      Statement = [
        merge(local.list_prefix.models, { Sid = "ListModels" }),
        {
          Sid      = "ReadModels"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = "${var.bucket_arn}/${var.model_prefix}*"
        },
        {
          Sid       = "BucketKeyThroughS3"
          Effect    = "Allow"
          Action    = ["kms:Decrypt"]
          Resource  = var.kms_key_arn
          Condition = local.via_s3
        },
      ]
    }
  }

  workloads = {
    training = { binding = var.training, purpose = "Training jobs (read ${var.dataset_prefix}, write ${var.model_prefix} of ${local.bucket_name})" }
    serving  = { binding = var.serving, purpose = "Model serving (read ${var.model_prefix} of ${local.bucket_name})" }
  }
}

module "role" {
  source   = "../pod-identity-role"
  for_each = local.workloads

  name    = "${var.name}-${each.key}"
  purpose = each.value.purpose
  binding = {
    cluster_name    = var.cluster_name
    namespace       = each.value.binding.namespace
    service_account = each.value.binding.service_account
    associate       = var.create_pod_identity_associations
  }
  permissions_boundary = var.permissions_boundary
  policy = {
    name = "${each.key}-artifacts"
    json = jsonencode(local.policies[each.key])
  }
  tags = var.tags
}
