data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  dns_suffix = data.aws_partition.current.dns_suffix
  region     = data.aws_region.current.id
  account_id = data.aws_caller_identity.current.account_id

  cluster_arn = "arn:${local.partition}:eks:${local.region}:${local.account_id}:cluster/${var.cluster_name}"

  # The tag every Karpenter-launched resource carries (Karpenter sets it
  # itself); the controller policy only touches resources tagged for this
  # cluster, like upstream's CloudFormation.
  owned_tag = "kubernetes.io/cluster/${var.cluster_name}"

  # What RunInstances/CreateFleet create, which Karpenter may create and tag on creation.
  launched_resource_arns = [
    for type in ["fleet", "instance", "volume", "network-interface", "launch-template", "spot-instances-request"] :
    "arn:${local.partition}:ec2:${local.region}:*:${type}/*"
  ]

  # Karpenter v1 creates one instance profile per EC2NodeClass (spec.role) under
  # the path /karpenter/<region>/<cluster>/<nodeclass uid>/ (v1.14.1
  # pkg/controllers/nodeclass/instanceprofile.go), so its writes are scoped to
  # that path (upstream allows instance-profile/* with the same tag conditions).
  instance_profile_arns = "arn:${local.partition}:iam::${local.account_id}:instance-profile/karpenter/${local.region}/${var.cluster_name}/*"

  # EventBridge events Karpenter acts on (interruption handling), as in
  # upstream's getting-started CloudFormation at v1.14.1.
  interruption_events = {
    spot-interruption = {
      source      = "aws.ec2"
      detail_type = "EC2 Spot Instance Interruption Warning"
    }
    rebalance = {
      source      = "aws.ec2"
      detail_type = "EC2 Instance Rebalance Recommendation"
    }
    instance-state-change = {
      source      = "aws.ec2"
      detail_type = "EC2 Instance State-change Notification"
    }
    scheduled-change = {
      source      = "aws.health"
      detail_type = "AWS Health Event"
    }
    capacity-reservation-interruption = {
      source      = "aws.ec2"
      detail_type = "EC2 Capacity Reservation Instance Interruption Warning"
    }
  }
}

################################################################################
# Controller role (EKS Pod Identity)
################################################################################

# Only the Pod Identity agent of this cluster, for this service account, may
# assume the role (modules/pod-identity-role).
module "controller_role" {
  source = "../pod-identity-role"

  name    = "${var.name}-karpenter-controller"
  purpose = "Karpenter controller"
  binding = { cluster_name = var.cluster_name, namespace = var.namespace, service_account = var.service_account, associate = var.create_pod_identity_association }
  policy  = { name = "karpenter-controller", json = data.aws_iam_policy_document.controller.json }

  permissions_boundary = var.permissions_boundary
  tags                 = var.tags
}


# Karpenter v1 controller policy: upstream's five managed policies of the
# getting-started CloudFormation (aws/karpenter-provider-aws v1.14.1,
# website/content/en/docs/getting-started/getting-started-with-karpenter/cloudformation.yaml)
# as one document, every write scoped to this cluster's tags, the interruption
# queue and the node role.
data "aws_iam_policy_document" "controller" {
  # --- NodeLifecyclePolicy ---
  statement {
    sid     = "AllowScopedEC2InstanceAccessActions"
    actions = ["ec2:RunInstances", "ec2:CreateFleet"]
    resources = [
      "arn:${local.partition}:ec2:${local.region}::image/*",
      "arn:${local.partition}:ec2:${local.region}::snapshot/*",
      "arn:${local.partition}:ec2:${local.region}:*:security-group/*",
      "arn:${local.partition}:ec2:${local.region}:*:subnet/*",
      "arn:${local.partition}:ec2:${local.region}:*:capacity-reservation/*",
      "arn:${local.partition}:ec2:${local.region}:*:placement-group/*",
    ]
  }

  statement {
    sid       = "AllowScopedEC2LaunchTemplateAccessActions"
    actions   = ["ec2:RunInstances", "ec2:CreateFleet"]
    resources = ["arn:${local.partition}:ec2:${local.region}:*:launch-template/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.owned_tag}"
      values   = ["owned"]
    }
    condition {
      test     = "StringLike"
      variable = "aws:ResourceTag/karpenter.sh/nodepool"
      values   = ["*"]
    }
  }

  statement {
    sid       = "AllowScopedEC2InstanceActionsWithTags"
    actions   = ["ec2:RunInstances", "ec2:CreateFleet", "ec2:CreateLaunchTemplate"]
    resources = local.launched_resource_arns

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/${local.owned_tag}"
      values   = ["owned"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/eks:eks-cluster-name"
      values   = [var.cluster_name]
    }
    condition {
      test     = "StringLike"
      variable = "aws:RequestTag/karpenter.sh/nodepool"
      values   = ["*"]
    }
  }

  statement {
    sid       = "AllowScopedResourceCreationTagging"
    actions   = ["ec2:CreateTags"]
    resources = local.launched_resource_arns

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/${local.owned_tag}"
      values   = ["owned"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/eks:eks-cluster-name"
      values   = [var.cluster_name]
    }
    condition {
      test     = "StringEquals"
      variable = "ec2:CreateAction"
      values   = ["RunInstances", "CreateFleet", "CreateLaunchTemplate"]
    }
    condition {
      test     = "StringLike"
      variable = "aws:RequestTag/karpenter.sh/nodepool"
      values   = ["*"]
    }
  }

  statement {
    sid       = "AllowScopedResourceTagging"
    actions   = ["ec2:CreateTags"]
    resources = ["arn:${local.partition}:ec2:${local.region}:*:instance/*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.owned_tag}"
      values   = ["owned"]
    }
    condition {
      test     = "StringLike"
      variable = "aws:ResourceTag/karpenter.sh/nodepool"
      values   = ["*"]
    }
    condition {
      test     = "StringEqualsIfExists"
      variable = "aws:RequestTag/eks:eks-cluster-name"
      values   = [var.cluster_name]
    }
    condition {
      test     = "ForAllValues:StringEquals"
      variable = "aws:TagKeys"
      values   = ["eks:eks-cluster-name", "karpenter.sh/nodeclaim", "Name"]
    }
  }

  statement {
    sid     = "AllowScopedDeletion"
    actions = ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate"]
    resources = [
      "arn:${local.partition}:ec2:${local.region}:*:instance/*",
      "arn:${local.partition}:ec2:${local.region}:*:launch-template/*",
    ]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.owned_tag}"
      values   = ["owned"]
    }
    condition {
      test     = "StringLike"
      variable = "aws:ResourceTag/karpenter.sh/nodepool"
      values   = ["*"]
    }
  }

  # --- IAMIntegrationPolicy ---
  statement {
    sid       = "AllowPassingInstanceRole"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.node.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ec2.${local.dns_suffix}"]
    }
  }

  statement {
    sid       = "AllowScopedInstanceProfileCreationActions"
    actions   = ["iam:CreateInstanceProfile"]
    resources = [local.instance_profile_arns]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/${local.owned_tag}"
      values   = ["owned"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/eks:eks-cluster-name"
      values   = [var.cluster_name]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/topology.kubernetes.io/region"
      values   = [local.region]
    }
    condition {
      test     = "StringLike"
      variable = "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass"
      values   = ["*"]
    }
  }

  statement {
    sid       = "AllowScopedInstanceProfileTagActions"
    actions   = ["iam:TagInstanceProfile"]
    resources = [local.instance_profile_arns]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.owned_tag}"
      values   = ["owned"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/topology.kubernetes.io/region"
      values   = [local.region]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/${local.owned_tag}"
      values   = ["owned"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/eks:eks-cluster-name"
      values   = [var.cluster_name]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/topology.kubernetes.io/region"
      values   = [local.region]
    }
    condition {
      test     = "StringLike"
      variable = "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass"
      values   = ["*"]
    }
    condition {
      test     = "StringLike"
      variable = "aws:RequestTag/karpenter.k8s.aws/ec2nodeclass"
      values   = ["*"]
    }
  }

  statement {
    sid       = "AllowScopedInstanceProfileActions"
    actions   = ["iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"]
    resources = [local.instance_profile_arns]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/${local.owned_tag}"
      values   = ["owned"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/topology.kubernetes.io/region"
      values   = [local.region]
    }
    condition {
      test     = "StringLike"
      variable = "aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass"
      values   = ["*"]
    }
  }

  # --- EKSIntegrationPolicy ---
  statement {
    sid       = "AllowAPIServerEndpointDiscovery"
    actions   = ["eks:DescribeCluster"]
    resources = [local.cluster_arn]
  }

  # --- InterruptionPolicy ---
  statement {
    sid       = "AllowInterruptionQueueActions"
    actions   = ["sqs:DeleteMessage", "sqs:GetQueueUrl", "sqs:ReceiveMessage"]
    resources = [aws_sqs_queue.interruption.arn]
  }

  # --- ZonalShiftPolicy ---
  statement {
    #checkov:skip=CKV_AWS_356:arc-zonal-shift:GetManagedResource has no resource-level permissions; the condition names this cluster (upstream policy).
    sid       = "AllowZonalShiftStatusReadOnly"
    actions   = ["arc-zonal-shift:GetManagedResource"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "arc-zonal-shift:ResourceIdentifier"
      values   = [local.cluster_arn]
    }
  }

  # --- ResourceDiscoveryPolicy (reads only) ---
  statement {
    sid = "AllowRegionalReadActions"
    actions = [
      "ec2:DescribeCapacityReservations",
      "ec2:DescribeImages",
      "ec2:DescribeInstances",
      "ec2:DescribeInstanceStatus",
      "ec2:DescribeInstanceTypeOfferings",
      "ec2:DescribeInstanceTypes",
      "ec2:DescribeLaunchTemplates",
      "ec2:DescribePlacementGroups",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSpotPriceHistory",
      "ec2:DescribeSubnets",
    ]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestedRegion"
      values   = [local.region]
    }
  }

  statement {
    sid       = "AllowSSMReadActions"
    actions   = ["ssm:GetParameter"]
    resources = ["arn:${local.partition}:ssm:${local.region}::parameter/aws/service/*"]
  }

  statement {
    sid       = "AllowPricingReadActions"
    actions   = ["pricing:GetProducts"]
    resources = ["*"]
  }

  statement {
    sid       = "AllowUnscopedInstanceProfileListAction"
    actions   = ["iam:ListInstanceProfiles"]
    resources = ["*"]
  }

  statement {
    sid       = "AllowInstanceProfileReadActions"
    actions   = ["iam:GetInstanceProfile"]
    resources = ["arn:${local.partition}:iam::${local.account_id}:instance-profile/*"]
  }
}

################################################################################
# Node role (instances Karpenter launches) and its access entry
################################################################################

resource "aws_iam_role" "node" {
  name                 = "${var.name}-karpenter-node"
  description          = "Nodes that Karpenter launches for ${var.cluster_name} (EC2NodeClass spec.role)."
  permissions_boundary = var.permissions_boundary
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EC2AssumeRole"
      Effect    = "Allow"
      Principal = { Service = "ec2.${local.dns_suffix}" }
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

# Lets nodes with the role join the cluster (authentication mode API, no aws-auth).
resource "aws_eks_access_entry" "node" {
  count = var.create_access_entry ? 1 : 0

  cluster_name  = var.cluster_name
  principal_arn = aws_iam_role.node.arn
  type          = "EC2_LINUX"

  tags = var.tags
}

################################################################################
# Interruption queue and the EventBridge rules that feed it
################################################################################

resource "aws_sqs_queue" "interruption" {
  name                      = "${var.name}-karpenter-interruption"
  message_retention_seconds = var.queue_message_retention_seconds
  sqs_managed_sse_enabled   = true

  tags = var.tags
}

locals {
  # The rules below, by ARN (built from their names so that the queue policy
  # does not wait for them).
  interruption_rule_arns = [
    for k in keys(local.interruption_events) :
    "arn:${local.partition}:events:${local.region}:${local.account_id}:rule/${var.name}-karpenter-${k}"
  ]
}

# Karpenter drains a node for every message in this queue, so only this
# module's own EventBridge rules may send: a rule anyone else creates (another
# environment's, or one under this environment's names) is refused by
# aws:SourceArn, and every other sender by the deny.
data "aws_iam_policy_document" "queue" {
  statement {
    sid       = "OwnEventBridgeRulesSend"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.interruption.arn]

    principals {
      type        = "Service"
      identifiers = ["events.${local.dns_suffix}"]
    }

    condition {
      test     = "ArnEquals"
      variable = "aws:SourceArn"
      values   = local.interruption_rule_arns
    }
  }

  statement {
    sid       = "DenyOtherSenders"
    effect    = "Deny"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.interruption.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "ArnNotEquals"
      variable = "aws:SourceArn"
      values   = local.interruption_rule_arns
    }
  }

  statement {
    sid       = "DenyHTTP"
    effect    = "Deny"
    actions   = ["sqs:*"]
    resources = [aws_sqs_queue.interruption.arn]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_sqs_queue_policy" "interruption" {
  queue_url = aws_sqs_queue.interruption.id
  policy    = data.aws_iam_policy_document.queue.json
}

resource "aws_cloudwatch_event_rule" "interruption" {
  for_each = local.interruption_events

  name        = "${var.name}-karpenter-${each.key}"
  description = "Karpenter (${var.cluster_name}): ${each.value.detail_type}"
  event_pattern = jsonencode({
    source        = [each.value.source]
    "detail-type" = [each.value.detail_type]
  })

  tags = var.tags
}

resource "aws_cloudwatch_event_target" "interruption" {
  for_each = local.interruption_events

  rule      = aws_cloudwatch_event_rule.interruption[each.key].name
  target_id = "KarpenterInterruptionQueueTarget"
  arn       = aws_sqs_queue.interruption.arn
}

################################################################################
# Discovery tag on the node security group
################################################################################

# EKS creates the cluster security group (the one the managed node group's
# nodes use) and does not copy the cluster's tags onto it, so the discovery tag
# that EC2NodeClass securityGroupSelectorTerms match is added here.
resource "aws_ec2_tag" "node_security_group_discovery" {
  count = var.tag_node_security_group ? 1 : 0

  resource_id = var.node_security_group_id
  key         = "karpenter.sh/discovery"
  value       = var.cluster_name

  lifecycle {
    precondition {
      condition     = var.node_security_group_id != null
      error_message = "tag_node_security_group = true needs node_security_group_id (the EKS cluster security group, module.eks.cluster_security_group_id)."
    }
  }
}
