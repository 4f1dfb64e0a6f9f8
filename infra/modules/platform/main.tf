locals {
  name         = "${var.project}-${var.env}"
  cluster_name = "${local.name}-cluster"

  # Role assumed by this environment's apply job (created by infra/bootstrap).
  apply_role_arn = "arn:aws:iam::${var.account_id}:role/${var.project}-gha-apply-${var.env}"

  # Every role this environment creates carries the bootstrap's boundary for it;
  # the apply role cannot create a role without it.
  permissions_boundary = "arn:aws:iam::${var.account_id}:policy/${var.project}-boundary-${var.env}"

  # The add-ons every environment runs; versions resolve per Kubernetes version at plan
  # time unless pinned in eks_addon_versions.
  eks_addons = {
    # enableNetworkPolicy: the NetworkPolicies under platform/ are enforced, not just accepted.
    vpc-cni                = { before_compute = true, configuration_values = jsonencode({ enableNetworkPolicy = "true" }) }
    kube-proxy             = { before_compute = true }
    eks-pod-identity-agent = { before_compute = true }
    coredns                = {}
    metrics-server         = {}
  }

  cluster_admins = merge(
    { gha-apply = local.apply_role_arn },
    { for i, arn in var.cluster_admin_role_arns : "admin-${i}" => arn },
  )
}

################################################################################
# Environment KMS key (logs, EKS secrets, ECR, artifact bucket)
################################################################################

resource "aws_kms_key" "this" {
  description             = "${local.name}: CloudWatch logs, EKS secrets, ECR and S3 artifacts"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_in_days

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministration"
        Effect    = "Allow"
        Principal = { AWS = "arn:aws:iam::${var.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogs"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.amazonaws.com" }
        Action = [
          "kms:Encrypt*",
          "kms:Decrypt*",
          "kms:ReEncrypt*",
          "kms:GenerateDataKey*",
          "kms:Describe*",
        ]
        Resource = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:${var.region}:${var.account_id}:log-group:*"
          }
        }
      },
      {
        # Use stays with IAM (the statement above); deleting, disabling or
        # re-policying the key is for this environment's apply role and the
        # named admins only, whatever their IAM policies say.
        Sid       = "DenyKeyChangesExceptEnvironmentAdmins"
        Effect    = "Deny"
        Principal = { AWS = "*" }
        Action = [
          "kms:DisableKey",
          "kms:DisableKeyRotation",
          "kms:PutKeyPolicy",
          "kms:ScheduleKeyDeletion",
        ]
        Resource  = "*"
        Condition = { ArnNotEquals = { "aws:PrincipalArn" = concat([local.apply_role_arn], var.cluster_admin_role_arns) } }
      },
    ]
  })
}

resource "aws_kms_alias" "this" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# Network
################################################################################

module "vpc" {
  source = "../vpc"

  name               = local.name
  cidr               = var.vpc_cidr
  azs                = var.azs
  enable_nat_gateway = true
  single_nat_gateway = var.single_nat_gateway
  cluster_name       = local.cluster_name

  permissions_boundary = local.permissions_boundary

  enable_flow_log                                 = true
  flow_log_traffic_type                           = "ALL"
  flow_log_cloudwatch_log_group_retention_in_days = var.log_retention_days
  flow_log_cloudwatch_log_group_kms_key_id        = aws_kms_key.this.arn
}

################################################################################
# EKS
################################################################################

module "eks" {
  source = "../eks"

  name               = local.cluster_name
  kubernetes_version = var.kubernetes_version

  permissions_boundary = local.permissions_boundary

  # The Environment tag on what EKS creates (the same switch as the discovery
  # tag: moto has no cluster security group and no node group Auto Scaling group).
  tag_eks_created_resources = var.enable_cluster_security_group_tags

  vpc_id     = module.vpc.vpc_id
  subnet_ids = module.vpc.private_subnets

  endpoint_private_access      = true
  endpoint_public_access       = var.endpoint_public_access
  endpoint_public_access_cidrs = var.endpoint_public_access_cidrs

  enabled_log_types                      = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
  cloudwatch_log_group_retention_in_days = var.log_retention_days
  cloudwatch_log_group_kms_key_id        = aws_kms_key.this.arn

  encryption_config = {
    provider_key_arn = aws_kms_key.this.arn
    resources        = ["secrets"]
  }

  enable_irsa         = var.enable_irsa
  authentication_mode = "API"

  enable_access_entries = var.enable_access_entries
  access_entries = {
    for k, arn in local.cluster_admins : k => {
      principal_arn = arn
      policy_associations = {
        cluster-admin = {
          policy_arn   = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
          access_scope = { type = "cluster" }
        }
      }
    }
  }

  enable_eks_addons = var.enable_eks_addons
  # The observability module's community add-ons (kube-state-metrics,
  # prometheus-node-exporter) and the Mountpoint for Amazon S3 CSI driver of
  # ml_access.tf join the platform's, with the same version resolution.
  addons = {
    for name, addon in merge(local.eks_addons, module.observability.eks_addons, local.ml_access_addons) : name => merge(addon, {
      addon_version = lookup(var.eks_addon_versions, name, null)
    })
  }

  eks_managed_node_groups = {
    default = {
      ami_type       = "AL2023_x86_64_STANDARD"
      capacity_type  = "ON_DEMAND"
      instance_types = var.node_instance_types
      min_size       = var.node_min_size
      desired_size   = var.node_desired_size
      max_size       = var.node_max_size
      disk_size      = var.node_disk_size
      labels         = { "mlops/environment" = var.env, "mlops/node-group" = "default" }
    }
  }
}

################################################################################
# Container registry
################################################################################

module "ecr" {
  source = "../ecr"

  repository_name                 = "${local.name}/model-serving"
  repository_image_tag_mutability = "IMMUTABLE"
  repository_image_scan_on_push   = true
  repository_encryption_type      = "KMS"
  repository_kms_key              = aws_kms_key.this.arn
  repository_force_delete         = var.force_destroy
  create_lifecycle_policy         = true
}

################################################################################
# Artifact bucket (+ companion access-log bucket)
################################################################################

module "artifacts" {
  source = "../s3"

  bucket                                = "${var.project}-platform-artifacts-${var.env}-${var.account_id}"
  force_destroy                         = var.force_destroy
  versioning                            = true
  kms_key_arn                           = aws_kms_key.this.arn
  create_access_log_bucket              = true
  attach_deny_insecure_transport_policy = true
}
