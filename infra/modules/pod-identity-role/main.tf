# An IAM role for one Kubernetes service account through EKS Pod Identity: the trust
# (only this cluster's Pod Identity agent, for this namespace and service account,
# checked on the session tags EKS sets; EKS user guide, "Create IAM role with trust
# policy required by EKS Pod Identity"), the controller's inline policy, and the
# association. Karpenter and the AWS Load Balancer Controller use it.

data "aws_caller_identity" "current" {}

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "EksPodIdentity"
    actions = ["sts:AssumeRole", "sts:TagSession"]

    principals {
      type        = "Service"
      identifiers = ["pods.eks.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [data.aws_caller_identity.current.account_id]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/eks-cluster-name"
      values   = [var.binding.cluster_name]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/kubernetes-namespace"
      values   = [var.binding.namespace]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/kubernetes-service-account"
      values   = [var.binding.service_account]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  description          = "${var.purpose} of ${var.binding.cluster_name} (${var.binding.namespace}/${var.binding.service_account}, EKS Pod Identity)."
  permissions_boundary = var.permissions_boundary
  assume_role_policy   = data.aws_iam_policy_document.trust.json

  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name   = var.policy.name
  role   = aws_iam_role.this.id
  policy = var.policy.json
}

resource "aws_eks_pod_identity_association" "this" {
  count = var.binding.associate ? 1 : 0

  cluster_name    = var.binding.cluster_name
  namespace       = var.binding.namespace
  service_account = var.binding.service_account
  role_arn        = aws_iam_role.this.arn

  tags = var.tags
}
