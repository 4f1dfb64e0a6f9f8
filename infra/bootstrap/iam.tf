locals {
  repo = "${var.github_org}/${var.github_repo}"

  # Built as a literal string (not the provider resource's ARN) so that static
  # analysis (checkov CKV_AWS_358/393) can recognise the GitHub principal and
  # check the sub conditions below.
  github_oidc_provider_arn = "arn:aws:iam::${var.account_id}:oidc-provider/token.actions.githubusercontent.com"

  state_bucket_arn = "arn:aws:s3:::${var.state_bucket_name}"
  state_prefixes   = concat(var.environments, ["bootstrap"])

  plan_role_name  = "${var.project}-gha-plan"
  apply_role_name = { for e in var.environments : e => "${var.project}-gha-apply-${e}" }
}

################################################################################
# GitHub Actions OIDC provider
################################################################################

# No thumbprint_list: since 2023 AWS validates token.actions.githubusercontent.com
# against its own trusted CA library; the argument is optional.
resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_github_oidc_provider ? 1 : 0

  url            = "https://token.actions.githubusercontent.com"
  client_id_list = ["sts.amazonaws.com"]

  tags = { Name = "github-actions" }
}

################################################################################
# Plan role: pull requests and main, read-only (+ the state lock objects)
################################################################################

resource "aws_iam_role" "plan" {
  name                 = local.plan_role_name
  description          = "Terraform plan from GitHub Actions (${local.repo}: pull requests and ${var.main_branch}); read-only."
  max_session_duration = var.max_session_duration

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GitHubActionsPlan"
      Effect    = "Allow"
      Principal = { Federated = local.github_oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = [
            "repo:${local.repo}:pull_request",
            "repo:${local.repo}:ref:refs/heads/${var.main_branch}",
          ]
        }
      }
    }]
  })

  depends_on = [aws_iam_openid_connect_provider.github]
}

resource "aws_iam_role_policy_attachment" "plan_read_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"
}

resource "aws_iam_role_policy" "plan_state" {
  name = "terraform-state-read-and-lock"
  role = aws_iam_role.plan.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ListStateBucket"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"]
        Resource = local.state_bucket_arn
      },
      {
        Sid      = "ReadState"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = [for p in local.state_prefixes : "${local.state_bucket_arn}/${p}/terraform.tfstate"]
      },
      {
        # terraform plan takes the S3 lock (use_lockfile): it writes and then
        # deletes <key>.tflock. Nothing else in the account is writable.
        Sid      = "WriteLockObjects"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = [for p in local.state_prefixes : "${local.state_bucket_arn}/${p}/terraform.tfstate.tflock"]
      },
      {
        Sid      = "UseStateKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        Resource = aws_kms_key.state.arn
      },
      {
        # ReadOnlyAccess would let a pull request's workflow read secret values
        # and arbitrary objects; plans do not need them.
        Sid    = "DenySecretReads"
        Effect = "Deny"
        Action = [
          "secretsmanager:GetSecretValue",
          "ssm:GetParameter",
          "ssm:GetParameters",
          "ssm:GetParametersByPath",
        ]
        Resource = "*"
      },
      {
        Sid         = "DenyObjectReadsOutsideState"
        Effect      = "Deny"
        Action      = ["s3:GetObject", "s3:GetObjectVersion"]
        NotResource = "${local.state_bucket_arn}/*"
      },
    ]
  })
}

################################################################################
# Apply roles: one per environment, only from that GitHub environment
################################################################################

resource "aws_iam_role" "apply" {
  for_each = local.apply_role_name

  name                 = each.value
  description          = "Terraform apply for ${each.key} from GitHub Actions (${local.repo}, environment ${each.key})."
  max_session_duration = var.max_session_duration

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "GitHubActionsApply"
      Effect    = "Allow"
      Principal = { Federated = local.github_oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          "token.actions.githubusercontent.com:sub" = "repo:${local.repo}:environment:${each.key}"
        }
      }
    }]
  })

  tags = { Environment = each.key }

  depends_on = [aws_iam_openid_connect_provider.github]
}

# Everything except IAM/Organizations/Account; IAM comes from the scoped policy below.
resource "aws_iam_role_policy_attachment" "apply_power_user" {
  for_each = aws_iam_role.apply

  role       = each.value.name
  policy_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
}

resource "aws_iam_role_policy" "apply_scoped" {
  for_each = aws_iam_role.apply

  name = "scoped-iam-and-state"
  role = each.value.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid    = "ManageEnvironmentRoles"
        Effect = "Allow"
        Action = [
          "iam:CreateRole",
          "iam:DeleteRole",
          "iam:GetRole",
          "iam:UpdateRole",
          "iam:UpdateRoleDescription",
          "iam:UpdateAssumeRolePolicy",
          "iam:TagRole",
          "iam:UntagRole",
          "iam:ListRoleTags",
          "iam:PutRolePolicy",
          "iam:GetRolePolicy",
          "iam:DeleteRolePolicy",
          "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies",
          "iam:ListInstanceProfilesForRole",
        ]
        Resource = "arn:aws:iam::${var.account_id}:role/${var.project}-${each.key}-*"
      },
      {
        # Managed policies may only be attached if they are AWS-managed or this
        # environment's own customer-managed policies.
        Sid      = "AttachPoliciesToEnvironmentRoles"
        Effect   = "Allow"
        Action   = ["iam:AttachRolePolicy", "iam:DetachRolePolicy"]
        Resource = "arn:aws:iam::${var.account_id}:role/${var.project}-${each.key}-*"
        Condition = {
          ArnLike = {
            "iam:PolicyARN" = [
              "arn:aws:iam::aws:policy/AmazonEKS*",
              "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
              "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
              "arn:aws:iam::${var.account_id}:policy/${var.project}-${each.key}-*",
            ]
          }
        }
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
        Resource = "arn:aws:iam::${var.account_id}:policy/${var.project}-${each.key}-*"
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
        Resource = "arn:aws:iam::${var.account_id}:instance-profile/${var.project}-${each.key}-*"
      },
      {
        Sid      = "PassEnvironmentRoles"
        Effect   = "Allow"
        Action   = "iam:PassRole"
        Resource = "arn:aws:iam::${var.account_id}:role/${var.project}-${each.key}-*"
        Condition = {
          StringEquals = {
            "iam:PassedToService" = ["eks.amazonaws.com", "ec2.amazonaws.com", "vpc-flow-logs.amazonaws.com"]
          }
        }
      },
      {
        # EKS IRSA providers have random IDs, so they are scoped by the
        # Environment tag that the environment's provider default_tags set.
        Sid      = "CreateEnvironmentOidcProviders"
        Effect   = "Allow"
        Action   = ["iam:CreateOpenIDConnectProvider", "iam:TagOpenIDConnectProvider"]
        Resource = "arn:aws:iam::${var.account_id}:oidc-provider/oidc.eks.${var.region}.amazonaws.com/id/*"
        Condition = {
          StringEquals = { "aws:RequestTag/Environment" = each.key }
        }
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
        Resource = "arn:aws:iam::${var.account_id}:oidc-provider/oidc.eks.${var.region}.amazonaws.com/id/*"
        Condition = {
          StringEquals = { "aws:ResourceTag/Environment" = each.key }
        }
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
        Resource = "${local.state_bucket_arn}/${each.key}/terraform.tfstate"
      },
      {
        Sid      = "OwnEnvironmentLock"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = "${local.state_bucket_arn}/${each.key}/terraform.tfstate.tflock"
      },
      {
        Sid      = "UseStateKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"]
        Resource = aws_kms_key.state.arn
      },
      {
        # PowerUserAccess allows s3:* everywhere; these denies keep every other
        # environment's (and the bootstrap's) state out of reach.
        Sid      = "DenyOtherEnvironmentsState"
        Effect   = "Deny"
        Action   = ["s3:GetObject*", "s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject"]
        Resource = [for p in local.state_prefixes : "${local.state_bucket_arn}/${p}/*" if p != each.key]
      },
      {
        Sid    = "DenyStateBucketChanges"
        Effect = "Deny"
        Action = [
          "s3:DeleteBucket",
          "s3:DeleteBucketPolicy",
          "s3:PutBucketPolicy",
          "s3:PutBucketAcl",
          "s3:PutBucketOwnershipControls",
          "s3:PutBucketPublicAccessBlock",
          "s3:PutBucketVersioning",
          "s3:PutBucketLogging",
          "s3:PutEncryptionConfiguration",
          "s3:PutLifecycleConfiguration",
          "s3:PutReplicationConfiguration",
          "s3:PutBucketObjectLockConfiguration",
        ]
        Resource = [local.state_bucket_arn, "arn:aws:s3:::${local.log_bucket_name}"]
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
        Resource = aws_kms_key.state.arn
      },
    ]
  })
}
