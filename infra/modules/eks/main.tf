data "aws_partition" "current" {}
data "aws_default_tags" "current" {}

locals {
  partition = data.aws_partition.current.partition

  # Instances and volumes launched by the node group only get tags through the
  # launch template's tag_specifications; provider default_tags do not reach them.
  instance_tags = merge(data.aws_default_tags.current.tags, var.tags)

  addons         = var.enable_eks_addons ? var.addons : {}
  access_entries = var.enable_access_entries ? var.access_entries : {}

  access_policy_associations = merge([
    for entry_key, entry in local.access_entries : {
      for assoc_key, assoc in entry.policy_associations :
      "${entry_key}/${assoc_key}" => merge(assoc, { entry_key = entry_key })
    }
  ]...)
}

################################################################################
# Control-plane logging
################################################################################

# Created before the cluster so Terraform owns retention and encryption
# (EKS would otherwise create /aws/eks/<name>/cluster itself, never expiring).
resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is a per-environment input (validated >= 30 days); prod sets 365, dev/stage keep less to limit cost.
  name              = "/aws/eks/${var.name}/cluster"
  retention_in_days = var.cloudwatch_log_group_retention_in_days
  kms_key_id        = var.cloudwatch_log_group_kms_key_id

  tags = var.tags
}

################################################################################
# Cluster IAM role
################################################################################

resource "aws_iam_role" "cluster" {
  name                 = "${var.name}-control-plane"
  permissions_boundary = var.permissions_boundary
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EKSClusterAssumeRole"
      Effect    = "Allow"
      Principal = { Service = "eks.amazonaws.com" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  for_each = toset(["AmazonEKSClusterPolicy"])

  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.value}"
}

################################################################################
# Cluster
################################################################################

resource "aws_eks_cluster" "this" {
  name     = var.name
  version  = var.kubernetes_version
  role_arn = aws_iam_role.cluster.arn

  enabled_cluster_log_types     = var.enabled_log_types
  bootstrap_self_managed_addons = false

  access_config {
    authentication_mode                         = var.authentication_mode
    bootstrap_cluster_creator_admin_permissions = false
  }

  vpc_config {
    subnet_ids              = length(var.control_plane_subnet_ids) > 0 ? var.control_plane_subnet_ids : var.subnet_ids
    endpoint_private_access = var.endpoint_private_access
    endpoint_public_access  = var.endpoint_public_access
    public_access_cidrs     = var.endpoint_public_access ? var.endpoint_public_access_cidrs : null
  }

  # EKS supports envelope encryption for "secrets" only.
  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = var.encryption_config.provider_key_arn
    }
  }

  upgrade_policy {
    support_type = var.upgrade_policy.support_type
  }

  tags = var.tags

  depends_on = [
    aws_iam_role_policy_attachment.cluster,
    aws_cloudwatch_log_group.this,
  ]
}

################################################################################
# IRSA
################################################################################

# No thumbprint_list: IAM validates the EKS OIDC issuer against its trusted CA
# library and fills the thumbprint itself.
resource "aws_iam_openid_connect_provider" "oidc" {
  count = var.enable_irsa ? 1 : 0

  url            = aws_eks_cluster.this.identity[0].oidc[0].issuer
  client_id_list = ["sts.amazonaws.com"]

  tags = merge(var.tags, { Name = "${var.name}-irsa" })
}

################################################################################
# Access entries (authentication_mode = API; no aws-auth ConfigMap)
################################################################################

resource "aws_eks_access_entry" "this" {
  for_each = local.access_entries

  cluster_name      = aws_eks_cluster.this.name
  principal_arn     = each.value.principal_arn
  type              = each.value.type
  kubernetes_groups = each.value.kubernetes_groups

  tags = var.tags
}

resource "aws_eks_access_policy_association" "this" {
  for_each = local.access_policy_associations

  cluster_name  = aws_eks_cluster.this.name
  principal_arn = aws_eks_access_entry.this[each.value.entry_key].principal_arn
  policy_arn    = each.value.policy_arn

  access_scope {
    type       = each.value.access_scope.type
    namespaces = each.value.access_scope.namespaces
  }
}

################################################################################
# Add-ons
################################################################################

# Unpinned add-ons get the newest version EKS publishes for this Kubernetes version,
# looked up at plan time: a misspelt or unsupported add-on fails the plan, not the apply.
data "aws_eks_addon_version" "this" {
  for_each = { for k, v in local.addons : k => v if v.addon_version == null }

  addon_name         = each.key
  kubernetes_version = var.kubernetes_version
  most_recent        = each.value.most_recent

  lifecycle {
    postcondition {
      condition     = self.version != null && self.version != ""
      error_message = "EKS publishes no version of add-on \"${each.key}\" for Kubernetes ${var.kubernetes_version}: check its name, or pin addon_version."
    }
  }
}

resource "aws_eks_addon" "before_compute" {
  for_each = { for k, v in local.addons : k => v if v.before_compute }

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.key
  addon_version               = coalesce(each.value.addon_version, try(data.aws_eks_addon_version.this[each.key].version, null))
  configuration_values        = each.value.configuration_values
  service_account_role_arn    = each.value.service_account_role_arn
  resolve_conflicts_on_create = each.value.resolve_conflicts_on_create
  resolve_conflicts_on_update = each.value.resolve_conflicts_on_update
  # Destroying the add-on resource leaves the running software in place (a removed
  # vpc-cni would cut every pod's networking); delete it in the cluster on purpose.
  preserve = each.value.preserve

  tags = var.tags
}

resource "aws_eks_addon" "this" {
  for_each = { for k, v in local.addons : k => v if !v.before_compute }

  cluster_name                = aws_eks_cluster.this.name
  addon_name                  = each.key
  addon_version               = coalesce(each.value.addon_version, try(data.aws_eks_addon_version.this[each.key].version, null))
  configuration_values        = each.value.configuration_values
  service_account_role_arn    = each.value.service_account_role_arn
  resolve_conflicts_on_create = each.value.resolve_conflicts_on_create
  resolve_conflicts_on_update = each.value.resolve_conflicts_on_update
  # Destroying the add-on resource leaves the running software in place (a removed
  # vpc-cni would cut every pod's networking); delete it in the cluster on purpose.
  preserve = each.value.preserve

  tags = var.tags

  # coredns and metrics-server need nodes to schedule on.
  depends_on = [aws_eks_node_group.this]
}

################################################################################
# Managed node groups
################################################################################

resource "aws_iam_role" "node" {
  name                 = "${var.name}-node"
  permissions_boundary = var.permissions_boundary
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EKSNodeAssumeRole"
      Effect    = "Allow"
      Principal = { Service = "ec2.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset([
    "AmazonEKSWorkerNodePolicy",
    "AmazonEKS_CNI_Policy",
    "AmazonEC2ContainerRegistryReadOnly",
  ])

  role       = aws_iam_role.node.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.value}"
}

resource "aws_launch_template" "node" {
  for_each = var.eks_managed_node_groups

  name_prefix            = "${var.name}-${each.key}-"
  description            = "EKS managed node group ${each.key} of ${var.name}"
  update_default_version = true

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
    instance_metadata_tags      = "disabled"
  }

  block_device_mappings {
    device_name = "/dev/xvda"

    ebs {
      volume_size           = each.value.disk_size
      volume_type           = "gp3"
      encrypted             = true
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(local.instance_tags, { Name = "${var.name}-${each.key}" })
  }

  tag_specifications {
    resource_type = "volume"
    tags          = merge(local.instance_tags, { Name = "${var.name}-${each.key}" })
  }

  tag_specifications {
    resource_type = "network-interface"
    tags          = merge(local.instance_tags, { Name = "${var.name}-${each.key}" })
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_eks_node_group" "this" {
  for_each = var.eks_managed_node_groups

  cluster_name    = aws_eks_cluster.this.name
  node_group_name = each.key
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids
  version         = aws_eks_cluster.this.version

  ami_type       = each.value.ami_type
  capacity_type  = each.value.capacity_type
  instance_types = each.value.instance_types
  labels         = each.value.labels

  launch_template {
    id      = aws_launch_template.node[each.key].id
    version = aws_launch_template.node[each.key].latest_version
  }

  scaling_config {
    min_size     = each.value.min_size
    max_size     = each.value.max_size
    desired_size = each.value.desired_size
  }

  update_config {
    max_unavailable_percentage = each.value.max_unavailable_percentage
  }

  dynamic "taint" {
    for_each = each.value.taints
    content {
      key    = taint.value.key
      value  = taint.value.value
      effect = taint.value.effect
    }
  }

  tags = var.tags

  lifecycle {
    # The cluster autoscaler / Karpenter own desired_size after creation.
    ignore_changes = [scaling_config[0].desired_size]
  }

  depends_on = [
    aws_iam_role_policy_attachment.node,
    aws_eks_addon.before_compute,
  ]
}

################################################################################
# The Environment tag on what EKS creates
################################################################################

# EKS creates the cluster security group and each managed node group's Auto
# Scaling group itself and copies neither the provider's default_tags nor the
# node group's tags onto them. Without the Environment tag the CI roles' rules
# for another environment's resources would not apply to them (scaling a
# node group to zero, opening the nodes' security group).
locals {
  environment_tag = lookup(local.instance_tags, "Environment", null)
  tag_created     = var.tag_eks_created_resources && local.environment_tag != null
}

resource "aws_ec2_tag" "cluster_security_group_environment" {
  count = local.tag_created ? 1 : 0

  resource_id = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
  key         = "Environment"
  value       = local.environment_tag
}

resource "aws_autoscaling_group_tag" "node_group_environment" {
  for_each = local.tag_created ? var.eks_managed_node_groups : {}

  autoscaling_group_name = aws_eks_node_group.this[each.key].resources[0].autoscaling_groups[0].name

  tag {
    key                 = "Environment"
    value               = local.environment_tag
    propagate_at_launch = false
  }
}
