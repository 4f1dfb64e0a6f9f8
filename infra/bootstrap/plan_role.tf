################################################################################
# Plan role: pull requests and main, view-only plus the reads a plan needs
################################################################################

resource "aws_iam_role" "plan" {
  name                 = local.plan_role_name
  description          = "Terraform plan from GitHub Actions (${local.repo}: pull requests and ${var.main_branch}); read-only, no state locks."
  max_session_duration = var.max_session_duration

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "GitHubActionsPlanPullRequests"
        Effect    = "Allow"
        Principal = { Federated = local.github_oidc_provider_arn }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }
          # Spelled out here rather than as a local: checkov (CKV_AWS_393) cannot
          # evaluate the local and would flag it. Same value as described in oidc.tf.
          StringLike = {
            "token.actions.githubusercontent.com:sub" = [
              for wf in var.plan_workflow_files :
              "repo:${var.github_org}/${var.github_repo}:pull_request:job_workflow_ref:${var.github_org}/${var.github_repo}/.github/workflows/${wf}@refs/pull/*/merge"
            ]
          }
        }
      },
      {
        Sid       = "GitHubActionsPlanMain"
        Effect    = "Allow"
        Principal = { Federated = local.github_oidc_provider_arn }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = {
            "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
            "token.actions.githubusercontent.com:sub" = local.plan_subjects_main
          }
        }
      },
    ]
  })

  depends_on = [aws_iam_openid_connect_provider.github]
}

# Describe/List across services, no data reads (ReadOnlyAccess would add object
# and secret reads a plan never needs).
resource "aws_iam_role_policy_attachment" "plan_view_only" {
  role       = aws_iam_role.plan.name
  policy_arn = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
}

resource "aws_iam_role_policy" "plan_reads" {
  name = "terraform-plan-reads"
  role = aws_iam_role.plan.id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # What refreshing the resources in infra/ reads beyond ViewOnlyAccess:
        # configuration, never data.
        Sid    = "RefreshConfiguration"
        Effect = "Allow"
        Action = [
          "ec2:Describe*",
          "ecr:DescribeRepositories",
          "ecr:GetLifecyclePolicy",
          "ecr:GetRepositoryPolicy",
          "ecr:ListTagsForResource",
          "eks:Describe*",
          "eks:List*",
          "iam:GetOpenIDConnectProvider",
          "iam:GetPolicy",
          "iam:GetPolicyVersion",
          "iam:GetRole",
          "iam:GetRolePolicy",
          "iam:ListAttachedRolePolicies",
          "iam:ListInstanceProfilesForRole",
          "iam:ListOpenIDConnectProviderTags",
          "iam:ListPolicyVersions",
          "iam:ListRolePolicies",
          "iam:ListRoleTags",
          "kms:DescribeKey",
          "kms:GetKeyPolicy",
          "kms:GetKeyRotationStatus",
          "kms:ListAliases",
          "kms:ListResourceTags",
          "logs:DescribeLogGroups",
          "logs:ListTagsForResource",
          "logs:ListTagsLogGroup",
          "s3:GetAccelerateConfiguration",
          "s3:GetBucket*",
          "s3:GetEncryptionConfiguration",
          "s3:GetLifecycleConfiguration",
          "s3:GetReplicationConfiguration",
          "s3:ListAllMyBuckets",
          "sts:GetCallerIdentity",
        ]
        Resource = "*"
      },
      {
        Sid      = "ListStateBucket"
        Effect   = "Allow"
        Action   = ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetBucketVersioning"]
        Resource = local.state_bucket_arn
      },
      {
        # Each environment's plan reads its own state; the bootstrap's state is
        # not needed by any plan. Plans on pull requests run with -lock=false.
        Sid      = "ReadEnvironmentState"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = [for e in var.environments : "${local.state_bucket_arn}/${e}/terraform.tfstate"]
      },
      {
        Sid      = "DecryptState"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:DescribeKey"]
        Resource = aws_kms_key.state.arn
      },
      {
        # Any same-repository pull request can run a plan: it must not be able to
        # take, break or replace a lock (a running prod apply's), nor touch state.
        Sid      = "DenyStateWrites"
        Effect   = "Deny"
        Action   = ["s3:PutObject*", "s3:DeleteObject*", "s3:RestoreObject", "s3:ReplicateObject"]
        Resource = "${local.state_bucket_arn}/*"
      },
      {
        Sid         = "DenyObjectReadsOutsideState"
        Effect      = "Deny"
        Action      = ["s3:GetObject", "s3:GetObjectVersion"]
        NotResource = [for e in var.environments : "${local.state_bucket_arn}/${e}/terraform.tfstate"]
      },
      {
        # Reads that return secret or payload data rather than configuration.
        Sid    = "DenySecretBearingReads"
        Effect = "Deny"
        Action = [
          "dynamodb:BatchGetItem",
          "dynamodb:GetItem",
          "dynamodb:Query",
          "dynamodb:Scan",
          "ec2:GetPasswordData",
          "ecr:BatchGetImage",
          "ecr:GetAuthorizationToken",
          "ecr:GetDownloadUrlForLayer",
          "kinesis:GetRecords",
          "lambda:GetFunction",
          "lambda:GetFunctionConfiguration",
          "secretsmanager:GetSecretValue",
          "sqs:ReceiveMessage",
          "ssm:GetParameter",
          "ssm:GetParameterHistory",
          "ssm:GetParameters",
          "ssm:GetParametersByPath",
        ]
        Resource = "*"
      },
      {
        Sid         = "DenyDecryptOutsideState"
        Effect      = "Deny"
        Action      = ["kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
        NotResource = aws_kms_key.state.arn
      },
    ]
  })
}
