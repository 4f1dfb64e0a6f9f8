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
# assume the role (modules/pod-identity-role). The policy is inline (not a managed
# policy): the upstream document is over 5,000 characters and an inline policy keeps
# it within the role's own IAM namespace.
module "controller_role" {
  source = "../pod-identity-role"

  policy = {
    name = "aws-load-balancer-controller-${local.upstream_policy.version}"
    json = jsonencode(jsondecode(file("${path.module}/iam_policy.json")))
  }
  name                 = "${var.name}-lb-controller"
  permissions_boundary = var.permissions_boundary
  purpose              = "AWS Load Balancer Controller"
  tags                 = var.tags

  binding = {
    cluster_name    = var.cluster_name
    namespace       = var.namespace
    service_account = var.service_account
    associate       = var.create_pod_identity_association
  }
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
