################################################################################
# Plan roles: pull requests and main, view-only plus the reads a plan needs
################################################################################

# One plan role per environment: a plan of dev reads dev's state and nothing
# else, so a pull request that plans dev (or a workflow step that is tricked
# into it) cannot read prod's state, which holds prod's outputs and any
# secret a provider wrote there.
resource "aws_iam_role" "plan" {
  name                 = local.plan_role_name[var.environment]
  description          = "Terraform plan of ${var.environment} from GitHub Actions (${local.repo}: pull requests and ${var.main_branch}); read-only, ${var.environment} state only, no state locks."
  max_session_duration = var.max_session_duration

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "GitHubActionsPlanPullRequests"
        Effect    = "Allow"
        Principal = { Federated = var.github_oidc_provider_arn }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          # Spelled out here rather than as a local: checkov (CKV_AWS_393) cannot
          # evaluate the local and would flag it. Same subjects as described in main.tf.
          StringEquals = {
            "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
            # Only a workflow as it is on the default branch, run for a pull request
            # (plan.yml, which pr-plan.yml calls at main: the job that plans runs
            # main's file, and tfpromote in it refuses providers main has not
            # reviewed). A pull request's own copy of a workflow (job_workflow_ref
            # @refs/pull/<n>/merge) assumes no role, so it cannot skip tfpromote and
            # read an environment's state with its own steps.
            "token.actions.githubusercontent.com:sub" = [
              for wf in var.plan_workflow_files :
              "repo:${var.github_org}/${var.github_repo}:repository_owner_id:${var.github_repository_owner_id}:repository_id:${var.github_repository_id}:pull_request:job_workflow_ref:${var.github_org}/${var.github_repo}/.github/workflows/${wf}@refs/heads/${var.main_branch}"
            ]
          }
        }
      },
      {
        # GitHub's merge queue: a merge_group run's context is its ref,
        # refs/heads/gh-readonly-queue/<base>/pr-<n>-<sha>, one branch per queue entry,
        # so the entry is the one wildcard; it sits before job_workflow_ref, which stays
        # pinned to the reusable plan workflow as it is on the default branch. A branch
        # name cannot hold a `:` (git refuses it, and GitHub writes one as %3A), so the
        # wildcard cannot reach into job_workflow_ref: a queue run (or a branch pushed
        # under that name, which anyone with write access can do) assumes this read-only
        # role only through main's plan.yml, exactly as a pull request does.
        Sid       = "GitHubActionsPlanMergeQueue"
        Effect    = "Allow"
        Principal = { Federated = var.github_oidc_provider_arn }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = {
            "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com"
          }
          StringLike = {
            "token.actions.githubusercontent.com:sub" = "repo:${var.github_org}/${var.github_repo}:repository_owner_id:${var.github_repository_owner_id}:repository_id:${var.github_repository_id}:ref:refs/heads/gh-readonly-queue/${var.main_branch}/pr-*:job_workflow_ref:${var.github_org}/${var.github_repo}/.github/workflows/${var.merge_queue_workflow_file}@refs/heads/${var.main_branch}"
          }
        }
      },
      {
        Sid       = "GitHubActionsPlanMain"
        Effect    = "Allow"
        Principal = { Federated = var.github_oidc_provider_arn }
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

  tags = { Environment = var.environment }
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
    Statement = concat([
      {
        # What refreshing the resources in infra/ reads beyond ViewOnlyAccess:
        # configuration, never data.
        Sid    = "RefreshConfiguration"
        Effect = "Allow"
        Action = [
          # Observability and cost (infra/modules/observability, cost): workspace,
          # logging, rule namespaces, scraper, Grafana, budget, anomaly monitor and
          # subscription, cost allocation tags.
          "aps:DescribeLoggingConfiguration",
          "aps:DescribeRuleGroupsNamespace",
          "aps:DescribeScraper",
          "aps:DescribeWorkspace",
          "aps:ListTagsForResource",
          "budgets:ListTagsForResource",
          "budgets:ViewBudget",
          "ce:GetAnomalyMonitors",
          "ce:GetAnomalySubscriptions",
          "ce:ListCostAllocationTags",
          "ce:ListTagsForResource",
          "ec2:Describe*",
          "ecr:DescribeRepositories",
          "ecr:GetLifecyclePolicy",
          "ecr:GetRepositoryPolicy",
          "ecr:ListTagsForResource",
          "eks:Describe*",
          "eks:List*",
          "grafana:DescribeWorkspace",
          "grafana:DescribeWorkspaceAuthentication",
          "grafana:DescribeWorkspaceConfiguration",
          "grafana:ListTagsForResource",
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
        # Its own environment's state only; neither another environment's nor
        # the bootstrap's is needed by a plan (the roots read no remote state).
        # Plans on pull requests run with -lock=false.
        Sid      = "ReadEnvironmentState"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = "${local.state_bucket_arn}/${var.environment}/terraform.tfstate"
      },
      {
        Sid      = "DecryptState"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:DescribeKey"]
        Resource = var.state_kms_key_arn
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
        # Named explicitly as well as by the NotResource deny below: the rule this
        # role exists for, written so that every evaluator reads it the same way
        # (moto 5.2.5 ignores NotResource and would let the read through).
        Sid      = "DenyOtherEnvironmentsState"
        Effect   = "Deny"
        Action   = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource = [for p in local.state_prefixes : "${local.state_bucket_arn}/${p}/*" if p != var.environment]
      },
      {
        Sid         = "DenyObjectReadsOutsideOwnState"
        Effect      = "Deny"
        Action      = ["s3:GetObject", "s3:GetObjectVersion"]
        NotResource = "${local.state_bucket_arn}/${var.environment}/terraform.tfstate"
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
          # ViewOnlyAccess reads that return environment variables, parameters,
          # log lines or keys: a pull request's code runs with this role, and a
          # plan of infra/ needs none of them.
          "apigateway:GET",
          "cloudformation:DescribeStacks",
          "cloudformation:GetTemplate",
          "datapipeline:DescribePipelines",
          "ecs:DescribeTaskDefinition",
          "lambda:ListFunctions",
          "lambda:ListVersionsByFunction",
          "logs:FilterLogEvents",
          "logs:GetLogEvents",
          "logs:StartQuery",
          "opsworks:Describe*",
          "opsworks-cm:Describe*",
          "sagemaker:Describe*",
          "sns:GetSubscriptionAttributes",
        ]
        Resource = "*"
      },
      {
        # Object listings of buckets other than the state bucket and this
        # environment's own (whose refresh needs HeadBucket, i.e. s3:ListBucket).
        Sid         = "DenyListingOtherBuckets"
        Effect      = "Deny"
        Action      = ["s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads", "s3:ListMultipartUploadParts"]
        NotResource = [local.state_bucket_arn, "arn:aws:s3:::${var.project}-*-${var.environment}-*"]
      },
      {
        # A plan passes no role to any service; a pull request's code must not
        # hand a CI role (or any role) to one, whatever a future allow says.
        Sid      = "DenyPassingRoles"
        Effect   = "Deny"
        Action   = "iam:PassRole"
        Resource = "*"
      },
      {
        Sid      = "DenyAuditBuckets"
        Effect   = "Deny"
        Action   = "s3:*"
        Resource = local.audit_bucket_arns
      },
      {
        Sid         = "DenyDecryptOutsideState"
        Effect      = "Deny"
        Action      = ["kms:Decrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
        NotResource = var.state_kms_key_arn
      },
      ],
      # Nothing another environment's roots name or tag, not even its
      # configuration: a plan of dev reads dev.
      [
        for st in local.environment_scope_statements[var.environment] : st
        if contains(["DenyOtherEnvironmentsByName", "DenyOtherEnvironmentsByResourceTag"], st.Sid)
      ],
    )
  })
}
