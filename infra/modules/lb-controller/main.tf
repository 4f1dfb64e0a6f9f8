data "aws_caller_identity" "current" {}

locals {
  # The controller's IAM policy exactly as upstream publishes it; replace the
  # file (and these two values) to upgrade. tests/ check the file is unchanged.
  upstream_policy = {
    version = "v3.5.0"
    url     = "https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/v3.5.0/docs/install/iam_policy.json"
    sha256  = "16f232c9d9f79366fe949c4550ad517a202380058a9e48d45a4e215044a20a6a"
  }
}

################################################################################
# Controller role (EKS Pod Identity)
################################################################################

# Only the Pod Identity agent of this cluster, for this service account, may
# assume the role (session tags EKS sets; EKS user guide, "Create IAM role with
# trust policy required by EKS Pod Identity").
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
      values   = [var.cluster_name]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/kubernetes-namespace"
      values   = [var.namespace]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/kubernetes-service-account"
      values   = [var.service_account]
    }
  }
}

resource "aws_iam_role" "controller" {
  name                 = "${var.name}-lb-controller"
  description          = "AWS Load Balancer Controller of ${var.cluster_name} (${var.namespace}/${var.service_account}, EKS Pod Identity)."
  permissions_boundary = var.permissions_boundary
  assume_role_policy   = data.aws_iam_policy_document.trust.json

  tags = var.tags
}

# Inline (not a managed policy): the upstream document is over 5,000 characters
# and an inline policy keeps it within the role's own IAM namespace.
resource "aws_iam_role_policy" "controller" {
  name   = "aws-load-balancer-controller-${local.upstream_policy.version}"
  role   = aws_iam_role.controller.id
  policy = jsonencode(jsondecode(file("${path.module}/iam_policy.json")))

  lifecycle {
    precondition {
      condition     = filesha256("${path.module}/iam_policy.json") == local.upstream_policy.sha256
      error_message = "iam_policy.json differs from upstream ${local.upstream_policy.version} (${local.upstream_policy.url}). Replace it with the upstream file and update local.upstream_policy."
    }
  }
}

resource "aws_eks_pod_identity_association" "controller" {
  count = var.create_pod_identity_association ? 1 : 0

  cluster_name    = var.cluster_name
  namespace       = var.namespace
  service_account = var.service_account
  role_arn        = aws_iam_role.controller.arn

  tags = var.tags
}

################################################################################
# Optional ACM certificate for the ALBs (DNS validation)
################################################################################

# Only requested here: the DNS records that prove ownership are in the
# domain_validation_options output (create them where the zone lives); ACM
# issues the certificate once they resolve. Ingresses reference it with the
# alb.ingress.kubernetes.io/certificate-arn annotation.
resource "aws_acm_certificate" "this" {
  count = var.acm_domain_name == null ? 0 : 1

  domain_name               = var.acm_domain_name
  subject_alternative_names = var.acm_subject_alternative_names
  validation_method         = "DNS"
  key_algorithm             = "RSA_2048"

  options {
    certificate_transparency_logging_preference = "ENABLED"
  }

  tags = merge(var.tags, { Name = "${var.name}-${var.acm_domain_name}" })

  lifecycle {
    # A renamed or re-keyed certificate replaces the old one without a window
    # in which listeners point at nothing.
    create_before_destroy = true
  }
}
