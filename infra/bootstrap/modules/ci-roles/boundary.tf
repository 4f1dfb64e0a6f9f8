################################################################################
# Permissions boundary of every role an environment creates
################################################################################

# The apply role of an environment may create roles only with this boundary
# attached (apply_role.tf: ManageEnvironmentRolesWithBoundary). Whatever policies such a
# role is given, it can do at most what this allows: no IAM changes, no role
# assumption, nothing in another environment, nothing on the state. The policy is
# named outside every environment's "<project>-<env>-*" namespace, so no apply role
# can edit it.
resource "aws_iam_policy" "boundary" {
  name        = local.boundary_policy_name[var.environment]
  description = "Permissions boundary of every IAM role created by the ${var.environment} environment."

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          # The ceiling for workloads (EKS control plane, nodes, flow logs, IRSA
          # roles): any service action except IAM, Organizations, Account and
          # assuming roles, further cut by the denies below.
          Sid       = "AllowWorkloadActions"
          Effect    = "Allow"
          NotAction = ["iam:*", "organizations:*", "account:*", "sts:AssumeRole", "sts:AssumeRoleWithSAML"]
          Resource  = "*"
        },
        {
          # AmazonEKSClusterPolicy creates the ELB and autoscaling service-linked
          # roles; their policies are fixed by AWS.
          Sid      = "AllowServiceLinkedRoles"
          Effect   = "Allow"
          Action   = ["iam:CreateServiceLinkedRole", "iam:GetRole", "iam:ListAttachedRolePolicies"]
          Resource = "arn:aws:iam::*:role/aws-service-role/*"
        },
        {
          # The Karpenter controller launches nodes with the environment's node
          # roles (<project>-<env>-*-node: the managed node group's and
          # Karpenter's), so it must pass them to EC2; no other role, no other
          # service.
          Sid      = "AllowPassingNodeRolesToEc2"
          Effect   = "Allow"
          Action   = "iam:PassRole"
          Resource = "arn:aws:iam::${var.account_id}:role/${var.project}-${var.environment}-*-node"
          Condition = {
            StringEquals = { "iam:PassedToService" = "ec2.amazonaws.com" }
          }
        },
        {
          # Karpenter v1 creates one instance profile per EC2NodeClass under the
          # path /karpenter/<region>/<cluster>/<nodeclass uid>/, and this
          # environment's clusters are named <project>-<env>-*.
          Sid    = "AllowKarpenterInstanceProfiles"
          Effect = "Allow"
          Action = [
            "iam:CreateInstanceProfile",
            "iam:TagInstanceProfile",
            "iam:AddRoleToInstanceProfile",
            "iam:RemoveRoleFromInstanceProfile",
            "iam:DeleteInstanceProfile",
          ]
          Resource = "arn:aws:iam::${var.account_id}:instance-profile/karpenter/*/${var.project}-${var.environment}-*"
        },
        {
          # Reads the controllers make: Karpenter looks its instance profiles up,
          # the AWS Load Balancer Controller lists IAM server certificates
          # (public certificates, no keys) for HTTPS listeners.
          Sid    = "AllowControllerIamReads"
          Effect = "Allow"
          Action = [
            "iam:GetInstanceProfile",
            "iam:ListInstanceProfiles",
            "iam:GetServerCertificate",
            "iam:ListServerCertificates",
          ]
          Resource = "*"
        },
        {
          Sid      = "DenyTerraformState"
          Effect   = "Deny"
          Action   = ["s3:*", "kms:*"]
          Resource = concat([local.state_bucket_arn, "${local.state_bucket_arn}/*", var.state_kms_key_arn], local.audit_bucket_arns)
        },
      ],
      local.environment_scope_statements[var.environment],
      [local.cost_allocation_tags_deny],
    )
  })
}

locals {
  boundary_policy_name = { for e in var.environments : e => "${var.project}-boundary-${e}" }
  boundary_policy_arn  = { for e, n in local.boundary_policy_name : e => "arn:aws:iam::${var.account_id}:policy/${n}" }
}
