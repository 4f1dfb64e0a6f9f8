################################################################################
# Apply roles: one per environment, only from the promote/destroy workflow on main
################################################################################

resource "aws_iam_role" "apply" {
  name                 = local.apply_role_name[var.environment]
  description          = "Terraform apply for ${var.environment} from GitHub Actions (${local.repo}, environment ${var.environment}, ${var.apply_workflow_file}/${var.destroy_workflow_file} on ${var.main_branch})."
  max_session_duration = var.max_session_duration

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GitHubActionsApply"
      Effect    = "Allow"
      Principal = { Federated = var.github_oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = local.apply_subjects[var.environment]
        }
      }
    }]
  })

  tags = { Environment = var.environment }
}

# Everything except IAM/Organizations/Account; IAM comes from the scoped policy
# below, and its denies and the isolation policies cut PowerUserAccess down to
# this environment.
resource "aws_iam_role_policy_attachment" "apply_power_user" {
  role       = aws_iam_role.apply.name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}

locals {
  environment_role_arn          = { for e in var.environments : e => "arn:aws:iam::${var.account_id}:role/${var.project}-${e}-*" }
  environment_policy_arn        = { for e in var.environments : e => "arn:aws:iam::${var.account_id}:policy/${var.project}-${e}-*" }
  environment_instance_profile  = { for e in var.environments : e => "arn:aws:iam::${var.account_id}:instance-profile/${var.project}-${e}-*" }
  environment_oidc_provider_arn = "arn:aws:iam::${var.account_id}:oidc-provider/oidc.eks.${var.region}.amazonaws.com/id/*"
  attachable_managed_policy_arns = {
    for e in var.environments : e => [
      "arn:aws:iam::aws:policy/AmazonEKS*",
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
      local.environment_policy_arn[e],
    ]
  }
}

resource "aws_iam_role_policy" "apply_scoped" {
  name = "scoped-iam-and-state"
  role = aws_iam_role.apply.id

  policy = local.apply_inline_document

  lifecycle {
    precondition {
      condition     = local.apply_inline_chars <= local.iam_role_inline_policies_chars
      error_message = "The apply role of ${var.environment}'s inline policy renders to ${local.apply_inline_chars} characters; IAM refuses a role's inline policies over ${local.iam_role_inline_policies_chars} together. Move statements into the apply_isolation policies (see infra/bootstrap/README.md, IAM size quotas)."
    }
  }
}

locals {
  # (The length on its own, so that a failed precondition shows the number, not the document.)
  apply_inline_chars = length(local.apply_inline_document)
  apply_inline_document = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Creating a role, or changing what it may do, requires this environment's
        # permissions boundary on it (iam:PermissionsBoundary is the boundary the
        # role has, or gets in this request).
        Sid    = "ManageEnvironmentRolesWithBoundary"
        Effect = "Allow"
        Action = [
          "iam:CreateRole",
          "iam:PutRolePermissionsBoundary",
          "iam:PutRolePolicy",
          "iam:DeleteRolePolicy",
        ]
        Resource  = local.environment_role_arn[var.environment]
        Condition = { StringEquals = { "iam:PermissionsBoundary" = local.boundary_policy_arn[var.environment] } }
      },
      {
        # Managed policies: only AWS-managed EKS/ECR/SSM ones or this environment's
        # own, and only onto roles that carry the boundary.
        Sid      = "AttachPoliciesToEnvironmentRoles"
        Effect   = "Allow"
        Action   = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
        Resource = local.environment_role_arn[var.environment]
        Condition = {
          StringEquals = { "iam:PermissionsBoundary" = local.boundary_policy_arn[var.environment] }
          ArnLike      = { "iam:PolicyARN" = local.attachable_managed_policy_arns[var.environment] }
        }
      },
      {
        Sid    = "ManageEnvironmentRoles"
        Effect = "Allow"
        Action = [
          "iam:DeleteRole",
          "iam:GetRole",
          "iam:UpdateRole",
          "iam:UpdateRoleDescription",
          "iam:UpdateAssumeRolePolicy",
          "iam:TagRole",
          "iam:UntagRole",
          "iam:ListRoleTags",
          "iam:GetRolePolicy",
          "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies",
          "iam:ListInstanceProfilesForRole",
        ]
        Resource = local.environment_role_arn[var.environment]
      },
      {
        Sid    = "ManageEnvironmentPolicies"
        Effect = "Allow"
        Action = [
          "iam:CreatePolicy",
          "iam:DeletePolicy",
          "iam:GetPolicy",
          "iam:GetPolicyVersion",
          "iam:ListPolicyVersions",
          "iam:CreatePolicyVersion",
          "iam:DeletePolicyVersion",
          "iam:TagPolicy",
          "iam:UntagPolicy",
        ]
        Resource = local.environment_policy_arn[var.environment]
      },
      {
        Sid    = "ManageEnvironmentInstanceProfiles"
        Effect = "Allow"
        Action = [
          "iam:CreateInstanceProfile",
          "iam:DeleteInstanceProfile",
          "iam:GetInstanceProfile",
          "iam:TagInstanceProfile",
          "iam:UntagInstanceProfile",
          "iam:AddRoleToInstanceProfile",
          "iam:RemoveRoleFromInstanceProfile",
        ]
        Resource = local.environment_instance_profile[var.environment]
      },
      {
        Sid      = "PassEnvironmentRoles"
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = local.environment_role_arn[var.environment]
        Condition = {
          StringEquals = {
            # pods.eks.amazonaws.com: EKS Pod Identity associations (Karpenter,
            # AWS Load Balancer Controller) pass the role they bind;
            # grafana.amazonaws.com: the optional Managed Grafana workspace's
            # customer-managed role (infra/modules/observability, enable_grafana).
            "iam:PassedToService" = ["eks.amazonaws.com", "ec2.amazonaws.com", "vpc-flow-logs.amazonaws.com", "pods.eks.amazonaws.com", "grafana.amazonaws.com"]
          }
        }
      },
      {
        # EKS IRSA providers have random IDs, so they are scoped by the
        # Environment tag that the environment's provider default_tags set.
        Sid       = "CreateEnvironmentOidcProviders"
        Effect    = "Allow"
        Action    = ["iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"]
        Resource  = local.environment_oidc_provider_arn
        Condition = { StringEquals = { "aws:RequestTag/Environment" = var.environment } }
      },
      {
        Sid    = "ManageEnvironmentOidcProviders"
        Effect = "Allow"
        Action = [
          "iam:GetOpenIDConnectProvider",
          "iam:DeleteOpenIDConnectProvider",
          "iam:UpdateOpenIDConnectProviderThumbprint",
          "iam:AddClientIDToOpenIDConnectProvider",
          "iam:RemoveClientIDFromOpenIDConnectProvider",
          "iam:UntagOpenIDConnectProvider",
          "iam:ListOpenIDConnectProviderTags",
        ]
        Resource  = local.environment_oidc_provider_arn
        Condition = { StringEquals = { "aws:ResourceTag/Environment" = var.environment } }
      },
      {
        Sid      = "ListStateBucket"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"]
        Resource = local.state_bucket_arn
      },
      {
        Sid      = "OwnEnvironmentState"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject"]
        Resource = "${local.state_bucket_arn}/${var.environment}/terraform.tfstate"
      },
      {
        Sid      = "OwnEnvironmentLock"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = "${local.state_bucket_arn}/${var.environment}/terraform.tfstate.tflock"
      },
      {
        Sid      = "UseStateKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        Resource = var.state_kms_key_arn
      },
      {
        # PowerUserAccess includes sts:AssumeRole. Terraform runs with this role's
        # own credentials and never needs to hop; without this deny a role it
        # created (trusting this one) would be one AssumeRole away.
        Sid      = "DenyAssumingRoles"
        Effect   = "Deny"
        Action   = ["sts:AssumeRole", "sts:AssumeRoleWithSAML", "sts:AssumeRoleWithWebIdentity"]
        Resource = "*"
      },
      {
        Sid      = "DenyBoundaryRemoval"
        Effect   = "Deny"
        Action   = ["iam:DeleteRolePermissionsBoundary", "iam:DeleteUserPermissionsBoundary"]
        Resource = "*"
      },
      {
        Sid       = "DenyForeignBoundary"
        Effect    = "Deny"
        Action    = ["iam:PutRolePermissionsBoundary", "iam:CreateRole"]
        Resource  = "*"
        Condition = { StringNotEquals = { "iam:PermissionsBoundary" = local.boundary_policy_arn[var.environment] } }
      },
      {
        # The boundaries and the CI roles themselves are the bootstrap's.
        Sid    = "DenyBootstrapIamChanges"
        Effect = "Deny"
        Action = [
          "iam:Add*",
          "iam:Attach*",
          "iam:Create*",
          "iam:Delete*",
          "iam:Detach*",
          "iam:Put*",
          "iam:Remove*",
          "iam:Set*",
          "iam:Tag*",
          "iam:Untag*",
          "iam:Update*",
          # Handing a CI role to a service would let that service act as it.
          "iam:PassRole",
        ]
        Resource = concat(
          [for e in var.environments : "arn:aws:iam::${var.account_id}:policy/${local.boundary_policy_name[e]}"],
          # The CI roles and the apply roles' isolation policies.
          ["arn:aws:iam::${var.account_id}:role/${var.project}-gha-*", "arn:aws:iam::${var.account_id}:policy/${var.project}-gha-*", var.github_oidc_provider_arn],
        )
      },
      {
        # PowerUserAccess allows s3:* everywhere; these denies keep every other
        # environment's (and the bootstrap's) state out of reach.
        Sid      = "DenyOtherEnvironmentsState"
        Effect   = "Deny"
        Action   = ["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject"]
        Resource = [for p in local.state_prefixes : "${local.state_bucket_arn}/${p}/*" if p != var.environment]
      },
      {
        Sid      = "DenyStateVersionDeletes"
        Effect   = "Deny"
        Action   = ["s3:DeleteObjectVersion", "s3:PutObjectRetention", "s3:PutObjectLegalHold", "s3:BypassGovernanceRetention"]
        Resource = "${local.state_bucket_arn}/*"
      },
      {
        # The state bucket's own settings: everything but reading them. This
        # covers what a plan would never show (notifications, inventory, request
        # payment, analytics, tags) as well as policy, versioning and logging.
        # Only the break-glass principals change the bucket. (Access points are
        # refused by DenyAccountWideChanges and by the bucket policy.)
        Sid       = "DenyStateBucketChanges"
        Effect    = "Deny"
        NotAction = ["s3:ListBucket*", "s3:GetBucket*", "s3:Get*Configuration"]
        Resource  = local.state_bucket_arn
      },
      {
        # The audit trail of the state (its access logs) and of the account (the
        # trail's bucket): apply roles have no business with them at all.
        Sid      = "DenyAuditBuckets"
        Effect   = "Deny"
        Action   = "s3:*"
        Resource = local.audit_bucket_arns
      },
      {
        Sid    = "DenyStateKeyChanges"
        Effect = "Deny"
        Action = [
          "kms:ScheduleKeyDeletion",
          "kms:DisableKey",
          "kms:DisableKeyRotation",
          "kms:PutKeyPolicy",
          "kms:CreateGrant",
          "kms:RevokeGrant",
          "kms:UpdateAlias",
          "kms:DeleteAlias",
        ]
        Resource = var.state_kms_key_arn
      },
    ]
  })
}

# What keeps the apply role inside its environment (scoping.tf), as customer
# managed policies beside PowerUserAccess: with the scoped IAM and state rules
# above they would not fit in a role's 10,240 characters of inline policy. Each
# managed policy may hold 6,144 characters, and each counts against the 10
# managed policies a role may have attached (PowerUserAccess and these three).
# They are named under "<project>-gha-", outside every environment's
# namespace, and DenyBootstrapIamChanges keeps them out of every apply role's
# reach.
locals {
  account_wide_sids     = [for st in local.account_wide_deny_statements : st.Sid]
  apply_isolation_chars = { for k, d in local.apply_isolation_documents : k => length(d) }
  apply_isolation_documents = {
    # Account-wide settings, the same in every environment (but the owner of
    # the cost allocation tags).
    account = jsonencode({
      Version = "2012-10-17"
      Statement = concat(
        local.account_wide_deny_statements,
        var.environment == var.cost_allocation_tags_environment ? [] : [local.cost_allocation_tags_deny],
      )
    })
    # Another environment's resources by name (and by the cluster names AWS
    # tags with), and by the Environment tag: two policies, as each grows with
    # the number of environments.
    by-name = jsonencode({
      Version   = "2012-10-17"
      Statement = [for st in local.environment_scope_statements[var.environment] : st if !contains(concat(local.account_wide_sids, local.tag_rule_sids), st.Sid)]
    })
    by-tag = jsonencode({
      Version   = "2012-10-17"
      Statement = [for st in local.environment_scope_statements[var.environment] : st if contains(local.tag_rule_sids, st.Sid)]
    })
  }
  tag_rule_sids = [
    "DenyUntaggedNetworkAclsAndRouteTables",
    "DenyUntaggedAutoScalingGroups",
    "DenyOtherEnvironmentsByResourceTag",
    "DenyOtherEnvironmentsByRequestTag",
    "DenyEnvironmentTagRemoval",
  ]
}

resource "aws_iam_policy" "apply_isolation" {
  for_each = toset(keys(local.apply_isolation_documents))

  name        = "${local.apply_role_name[var.environment]}-isolation-${each.key}"
  description = "Denies that keep the ${var.environment} apply role inside its environment (${each.key})."
  policy      = local.apply_isolation_documents[each.key]

  lifecycle {
    precondition {
      condition     = local.apply_isolation_chars[each.key] <= local.iam_managed_policy_chars
      error_message = "The ${each.key} isolation policy of ${var.environment}'s apply role renders to ${local.apply_isolation_chars[each.key]} characters; IAM refuses a managed policy over ${local.iam_managed_policy_chars}. Split it (see infra/bootstrap/README.md, IAM size quotas)."
    }
  }
}

resource "aws_iam_role_policy_attachment" "apply_isolation" {
  for_each = aws_iam_policy.apply_isolation

  role = aws_iam_role.apply.name
  # Spelled from the name (as the boundary's ARN is): the same ARN, and one the
  # mocked provider of the terraform tests can check too.
  policy_arn = "arn:aws:iam::${var.account_id}:policy/${each.value.name}"
}
