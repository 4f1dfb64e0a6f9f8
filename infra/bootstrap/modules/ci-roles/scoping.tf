# What "belongs to another environment" means, shared by the apply roles' denies
# and the permissions boundaries. In the single-account layout this is the only
# thing between dev and prod, so it is both by name (everything the environment
# roots name "<project>-<env>-...") and by the Environment tag (everything with an
# ID instead of a name: VPCs, subnets, instances, KMS keys).
locals {
  other_environments = { for e in var.environments : e => [for o in var.environments : o if o != e] }

  # ARNs the environment roots create, by name. Everything under another
  # environment's names is denied outright.
  environment_name_arns = {
    for e in var.environments : e => [
      "arn:aws:s3:::${var.project}-*-${e}-*",
      "arn:aws:s3:::${var.project}-*-${e}-*/*",
      "arn:aws:eks:*:*:cluster/${var.project}-${e}-*",
      "arn:aws:eks:*:*:nodegroup/${var.project}-${e}-*",
      "arn:aws:eks:*:*:addon/${var.project}-${e}-*",
      "arn:aws:eks:*:*:access-entry/${var.project}-${e}-*",
      "arn:aws:eks:*:*:podidentityassociation/${var.project}-${e}-*",
      "arn:aws:ecr:*:*:repository/${var.project}-${e}/*",
      "arn:aws:logs:*:*:log-group:/aws/*/${var.project}-${e}*",
      "arn:aws:kms:*:*:alias/${var.project}-${e}",
      "arn:aws:budgets::*:budget/${var.project}-${e}-*",
      "arn:aws:iam::*:role/${var.project}-${e}-*",
      "arn:aws:iam::*:policy/${var.project}-${e}-*",
      "arn:aws:iam::*:instance-profile/${var.project}-${e}-*",
      # Karpenter's instance profiles: /karpenter/<region>/<cluster>/<uid>/<cluster>_<hash>.
      "arn:aws:iam::*:instance-profile/karpenter/*/${var.project}-${e}-*",
      "arn:aws:sqs:*:*:${var.project}-${e}-*",
      "arn:aws:events:*:*:rule/${var.project}-${e}-*",
    ]
  }
  other_environment_name_arns = {
    for e in var.environments : e => flatten([for o in local.other_environments[e] : local.environment_name_arns[o]])
  }

  # Services whose resources carry the Environment tag (provider default_tags) and
  # support aws:ResourceTag / aws:RequestTag. S3 buckets are scoped by name above.
  tag_scoped_actions = [
    "aps:*",
    "autoscaling:*",
    "ec2:*",
    "ecr:*",
    "eks:*",
    "elasticloadbalancing:*",
    "grafana:*",
    "iam:*",
    "kms:*",
    "logs:*",
    "ssm:*",
  ]

  # Tag removals: removing the Environment tag would take a resource out of the
  # tag-based scoping, so it counts as moving it between environments.
  untag_actions = [
    "aps:UntagResource",
    "autoscaling:DeleteTags",
    "ec2:DeleteTags",
    "ecr:UntagResource",
    "eks:UntagResource",
    "elasticloadbalancing:RemoveTags",
    "grafana:UntagResource",
    "iam:UntagInstanceProfile",
    "iam:UntagOpenIDConnectProvider",
    "iam:UntagPolicy",
    "iam:UntagRole",
    "kms:UntagResource",
    "logs:UntagLogGroup",
    "logs:UntagResource",
    "ssm:RemoveTagsFromResource",
  ]

  # Statements that keep a principal inside environment `e`; used by the apply
  # role of `e` and by the permissions boundary of `e`.
  environment_scope_statements = {
    for e in var.environments : e => concat(
      length(local.other_environment_name_arns[e]) == 0 ? [] : [{
        Sid      = "DenyOtherEnvironmentsByName"
        Effect   = "Deny"
        Action   = "*"
        Resource = local.other_environment_name_arns[e]
      }],
      [
        {
          # Resources tagged for another environment (or untagged "shared" ones
          # such as the state key, which have their own denies).
          Sid      = "DenyOtherEnvironmentsByResourceTag"
          Effect   = "Deny"
          Action   = local.tag_scoped_actions
          Resource = "*"
          Condition = {
            StringNotEquals = { "aws:ResourceTag/Environment" = [e, "shared"] }
            Null            = { "aws:ResourceTag/Environment" = "false" }
          }
        },
        {
          # Creating or re-tagging a resource into another environment.
          Sid      = "DenyOtherEnvironmentsByRequestTag"
          Effect   = "Deny"
          Action   = local.tag_scoped_actions
          Resource = "*"
          Condition = {
            StringNotEquals = { "aws:RequestTag/Environment" = e }
            Null            = { "aws:RequestTag/Environment" = "false" }
          }
        },
        {
          Sid      = "DenyEnvironmentTagRemoval"
          Effect   = "Deny"
          Action   = local.untag_actions
          Resource = "*"
          Condition = {
            "ForAnyValue:StringEquals" = { "aws:TagKeys" = ["Environment"] }
          }
        },
      ],
    )
  }
}
