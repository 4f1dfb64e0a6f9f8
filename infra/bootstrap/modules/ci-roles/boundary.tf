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

  policy = local.boundary_document

  lifecycle {
    precondition {
      condition     = local.boundary_chars <= local.iam_managed_policy_chars
      error_message = "The permissions boundary of ${var.environment} renders to ${local.boundary_chars} characters; IAM refuses a managed policy over ${local.iam_managed_policy_chars} (a boundary must be one policy). Shorten it (see infra/bootstrap/README.md, IAM size quotas)."
    }
  }
}

locals {
  # The Sids name each statement here and in the apply role's policies; the
  # boundary is rendered without them (Sids are optional and count against the
  # 6,144 characters like everything else), and a lone "*" action as a string
  # rather than a list. jsonencode sorts keys, so a Sid always follows another
  # key and its comma.
  boundary_chars = length(local.boundary_document)
  boundary_document = replace(replace(jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          # The ceiling for workloads (EKS control plane, nodes, flow logs, IRSA
          # roles): any service action except IAM, Organizations, Account,
          # assuming roles and what boundary_not_allowed lists, further cut by the
          # denies below.
          Sid    = "AllowWorkloadActions"
          Effect = "Allow"
          # (sts:AssumeRo*: AssumeRole, AssumeRoleWithSAML, AssumeRoot; the web
          # identity one IRSA uses is called without credentials, so no policy
          # of the caller applies to it.)
          NotAction = concat(["iam:*", "organizations:*", "account:*", "sts:AssumeRo*"], local.boundary_not_allowed)
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
          Resource = concat(local.boundary_state_bucket_arns, [var.state_kms_key_arn])
        },
      ],
      local.boundary_scope_statements,
    )
  }), "/,\"Sid\":\"[A-Za-z0-9]+\"/", ""), "\"Action\":[\"*\"]", "\"Action\":\"*\"")
}

locals {
  # What the boundary leaves out of its allow instead of denying it, to stay
  # within IAM's 6,144 characters for a managed policy (a boundary is one
  # policy): services no workload of infra/ uses, whose account-wide actions the
  # apply roles deny one by one (DenyAccountWideChanges), so nothing here may be
  # allowed to a role the environment creates either; EventBridge and Budgets
  # (the apply roles deny another environment's rules, budgets and targets: no
  # workload uses either); creating CloudWatch alarms (the apply roles deny only
  # those with EC2 actions; no workload creates any); and cost allocation tags
  # (no workload activates them).
  boundary_not_allowed_services = [
    "access-analyzer", "cloudtrail", "config", "guardduty", "securityhub", "sso", "identitystore",
    "ssm-guiconnect", "ec2-instance-connect", "route53resolver", "route53profiles", "s3-object-lambda",
    "events", "budgets",
  ]
  boundary_not_allowed = concat(
    [for s in local.boundary_not_allowed_services : "${s}:*"],
    ["cloudwatch:PutMetricAlarm", "cloudwatch:PutCompositeAlarm", "ce:UpdateCostAllocationTagsStatus"],
  )

  # The environment's scope as the apply role has it (scoping.tf), minus what the
  # allow above already leaves out: the alarm and target statements, the
  # account-wide actions and the name patterns of the services not allowed, the
  # account-wide actions of IAM (no IAM action but the few allowed above gets
  # through the boundary), Object Lambda access points. Tag-based denies cover every
  # action rather than the tag-scoped services: a role the environment creates
  # has no business with anything tagged for another environment or cluster.
  # (The apply roles keep the service lists: moto, which ignores conditions,
  # would otherwise deny them every request.)
  boundary_action_overrides = merge({
    DenyAccountWideChanges = [
      for a in local.account_wide_actions : a
      if !contains(concat(local.boundary_not_allowed_services, ["iam"]), split(":", a)[0])
    ]
    DenyOtherEnvironmentsByResourceTag = ["*"]
    DenyOtherEnvironmentsByRequestTag  = ["*"]
    DenyEnvironmentTagRemoval          = ["*"]
    DenyDataThroughAccessPoints        = ["s3:*"]
  }, { for i, _ in local.cluster_name_tag_keys : "DenyOtherEnvironmentsClusterResources${i}" => ["*"] })
  boundary_resource_overrides = {
    DenyOtherEnvironmentsByName = [
      for arn in local.other_environment_name_arns[var.environment] : arn
      if !contains(local.boundary_not_allowed_services, split(":", arn)[2])
    ]
    DenyDataThroughAccessPoints = ["arn:aws:s3:*:*:accesspoint/*", "arn:aws:s3::*:accesspoint/*"]
  }
  # Removing the Environment tag, in every service: a request that names the
  # key (aws:TagKeys) without giving it a value (aws:RequestTag), which is what
  # an untag request is; tagging and creating with the tag stay allowed.
  boundary_condition_overrides = {
    DenyEnvironmentTagRemoval = {
      "ForAnyValue:StringEquals" = { "aws:TagKeys" = ["Environment"] }
      Null                       = { "aws:RequestTag/Environment" = "true" }
    }
  }
  boundary_scope_statements = [
    for st in local.environment_scope_statements[var.environment] :
    merge(
      st,
      { for sid, actions in local.boundary_action_overrides : "Action" => actions if sid == st.Sid },
      { for sid, arns in local.boundary_resource_overrides : "Resource" => arns if sid == st.Sid },
      { for sid, cond in local.boundary_condition_overrides : "Condition" => cond if sid == st.Sid },
    )
    if !contains(["DenyAlarmInstanceActions", "DenyTargetsInOtherEnvironments"], st.Sid)
  ]

  # The state bucket and the audit buckets: one prefix pattern when every audit
  # bucket is named after the state bucket (the bootstrap's "-access-logs" and
  # "-cloudtrail"), which covers their objects too.
  boundary_state_bucket_arns = alltrue([
    for b in concat([var.state_access_log_bucket_name], var.audit_bucket_names) : startswith(b, var.state_bucket_name)
  ]) ? ["${local.state_bucket_arn}*"] : concat([local.state_bucket_arn, "${local.state_bucket_arn}/*"], local.audit_bucket_arns)

  boundary_policy_name = { for e in var.environments : e => "${var.project}-boundary-${e}" }
  boundary_policy_arn  = { for e, n in local.boundary_policy_name : e => "arn:aws:iam::${var.account_id}:policy/${n}" }
}
