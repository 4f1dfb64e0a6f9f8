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
      # Databases (MLflow's), their snapshots, subnet and parameter groups: RDS
      # names every resource type as arn:aws:rds:<region>:<account>:<type>:<name>.
      "arn:aws:rds:*:*:*:${var.project}-${e}-*",
      "arn:aws:secretsmanager:*:*:secret:${var.project}-${e}-*",
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
    "rds:*",
    "secretsmanager:*",
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
    "rds:RemoveTagsFromResource",
    "secretsmanager:UntagResource",
    "ssm:RemoveTagsFromResource",
  ]

  # Tags that AWS itself puts on what EKS and its controllers create, which never
  # carry the Environment tag: the managed node group's Auto Scaling group
  # (eks:cluster-name), the cluster security group (aws:eks:cluster-name),
  # Karpenter's instances (eks:eks-cluster-name), the load balancers the AWS
  # Load Balancer Controller creates (elbv2.k8s.aws/cluster) and the network
  # interfaces the VPC CNI attaches for pods (cluster.k8s.amazonaws.com/name:
  # releasing their addresses cuts the pods off). Each names the cluster, and the
  # clusters are named "<project>-<env>-...".
  cluster_name_tag_keys = ["eks:cluster-name", "aws:eks:cluster-name", "eks:eks-cluster-name", "elbv2.k8s.aws/cluster", "cluster.k8s.amazonaws.com/name"]

  # Auto Scaling writes. The node group's group is created by EKS without the
  # Environment tag (the eks module adds it afterwards), so an untagged group that
  # is not this environment's cluster's is out of reach.
  autoscaling_write_actions = [
    "autoscaling:Attach*",
    "autoscaling:BatchDeleteScheduledAction",
    "autoscaling:BatchPutScheduledUpdateGroupAction",
    "autoscaling:CancelInstanceRefresh",
    "autoscaling:CompleteLifecycleAction",
    "autoscaling:CreateOrUpdateTags",
    "autoscaling:Delete*",
    "autoscaling:Detach*",
    "autoscaling:DisableMetricsCollection",
    "autoscaling:EnableMetricsCollection",
    "autoscaling:EnterStandby",
    "autoscaling:ExecutePolicy",
    "autoscaling:ExitStandby",
    "autoscaling:Put*",
    "autoscaling:RecordLifecycleActionHeartbeat",
    "autoscaling:ResumeProcesses",
    "autoscaling:RollbackInstanceRefresh",
    "autoscaling:Set*",
    "autoscaling:StartInstanceRefresh",
    "autoscaling:SuspendProcesses",
    "autoscaling:TerminateInstanceInAutoScalingGroup",
    "autoscaling:Update*",
  ]

  # Statements that hold in every environment (apply roles and boundaries alike):
  # APIs that act on the whole account or reach resources without naming them, so
  # neither the name nor the tag rules below can see which environment they hit.
  account_wide_deny_statements = [
    {
      # Systems Manager runs commands on instances it selects by tag, as its own
      # service-linked role: a maintenance window or association made by dev could
      # target prod's nodes. Nothing in infra/ uses these APIs.
      Sid    = "DenySsmRemoteExecution"
      Effect = "Deny"
      Action = [
        "ssm:CancelCommand",
        "ssm:CreateAssociation",
        "ssm:CreateAssociationBatch",
        "ssm:CreateMaintenanceWindow",
        "ssm:RegisterTargetWithMaintenanceWindow",
        "ssm:RegisterTaskWithMaintenanceWindow",
        "ssm:ResumeSession",
        "ssm:SendAutomationSignal",
        "ssm:SendCommand",
        "ssm:StartAssociationsOnce",
        "ssm:StartAutomationExecution",
        "ssm:StartChangeRequestExecution",
        "ssm:StartSession",
        "ssm:UpdateAssociation",
        "ssm:UpdateAssociationStatus",
        "ssm:UpdateMaintenanceWindow",
        "ssm:UpdateMaintenanceWindowTarget",
        "ssm:UpdateMaintenanceWindowTask",
        # Default Host Management: one account setting makes every instance
        # SSM-managed through a role of the setter's choosing.
        "ssm:UpdateServiceSetting",
        "ssm:ResetServiceSetting",
        "ssm-guiconnect:*",
        "ec2-instance-connect:*",
      ]
      Resource = "*"
    },
    {
      # Settings of the whole account (one per account, not per environment):
      # who sees every log group, where images are copied, the audit trail and
      # threat detection, encryption defaults, cost tags, service-linked roles.
      # (logs:PutResourcePolicy stays allowed: the AMP workspace's vended logs
      # need it, and it only lets AWS services deliver into log groups.)
      Sid    = "DenyAccountWideChanges"
      Effect = "Deny"
      Action = [
        "access-analyzer:ApplyArchiveRule",
        "access-analyzer:CreateArchiveRule",
        "access-analyzer:DeleteAnalyzer",
        "access-analyzer:UpdateArchiveRule",
        "access-analyzer:UpdateFindings",
        "cloudtrail:CreateTrail",
        "cloudtrail:DeleteTrail",
        "cloudtrail:PutEventSelectors",
        "cloudtrail:PutInsightSelectors",
        "cloudtrail:StopLogging",
        "cloudtrail:UpdateTrail",
        "config:DeleteConfigurationRecorder",
        "config:DeleteDeliveryChannel",
        "config:StopConfigurationRecorder",
        "ec2:DisableEbsEncryptionByDefault",
        "ec2:ModifyEbsDefaultKmsKeyId",
        "ec2:ModifyInstanceMetadataDefaults",
        "ec2:ResetEbsDefaultKmsKeyId",
        "ecr:CreatePullThroughCacheRule",
        "ecr:CreateRepositoryCreationTemplate",
        "ecr:UpdateRepositoryCreationTemplate",
        "ecr:DeleteRegistryPolicy",
        "ecr:PutRegistryPolicy",
        "ecr:PutRegistryScanningConfiguration",
        "ecr:PutReplicationConfiguration",
        "guardduty:CreateFilter",
        "guardduty:DeleteDetector",
        "guardduty:DeletePublishingDestination",
        "guardduty:DisassociateFromAdministratorAccount",
        "guardduty:UpdateDetector",
        "guardduty:UpdateFilter",
        "iam:DeleteServiceLinkedRole",
        "logs:DeleteAccountPolicy",
        "logs:PutAccountPolicy",
        "logs:PutDeliveryDestination",
        "logs:PutDeliveryDestinationPolicy",
        "logs:PutDestination",
        "logs:PutDestinationPolicy",
        "s3:PutAccountPublicAccessBlock",
        "s3:DeleteAccountPublicAccessBlock",
        "securityhub:DisableSecurityHub",
        # Who signs in to the account (IAM Identity Center, where the account
        # administers it): PowerUserAccess allows it, nothing in infra/ uses it.
        "sso:*",
        "identitystore:*",
      ]
      Resource = "*"
    },
    {
      # DNS of a VPC is set from outside it: a private hosted zone, a Resolver
      # rule, DNS Firewall rule group, query log or Route 53 Profile associated
      # with another environment's VPC names that VPC only by ID (route53:VPCs),
      # never by tag or name, and would redirect, block or record every lookup
      # its nodes make. Nothing in infra/ uses them; public hosted zones stay
      # allowed.
      Sid    = "DenyDnsOfVpcs"
      Effect = "Deny"
      Action = [
        "route53:AssociateVPCWithHostedZone",
        "route53:CreateVPCAssociationAuthorization",
        "route53resolver:AssociateFirewallRuleGroup",
        "route53resolver:AssociateResolverEndpointIpAddress",
        "route53resolver:AssociateResolverQueryLogConfig",
        "route53resolver:AssociateResolverRule",
        "route53resolver:CreateResolverEndpoint",
        "route53resolver:PutFirewallRuleGroupPolicy",
        "route53resolver:PutResolverQueryLogConfigPolicy",
        "route53resolver:PutResolverRulePolicy",
        "route53resolver:UpdateFirewallConfig",
        "route53resolver:UpdateResolverConfig",
        "route53resolver:UpdateResolverDnssecConfig",
        "route53profiles:AssociateProfile",
        "route53profiles:AssociateResourceToProfile",
      ]
      Resource = "*"
    },
    {
      # An alarm's EC2 actions (stop, terminate, reboot, recover) are carried out
      # by CloudWatch's service-linked role on whatever instance the alarm's
      # metric names, whichever environment's it is. Nothing in infra/ uses them.
      Sid       = "DenyAlarmInstanceActions"
      Effect    = "Deny"
      Action    = ["cloudwatch:PutMetricAlarm", "cloudwatch:PutCompositeAlarm"]
      Resource  = "*"
      Condition = { "ForAnyValue:StringLike" = { "cloudwatch:AlarmActions" = ["arn:aws:automate:*", "arn:aws:swf:*"] } }
    },
    {
      # A private hosted zone is created already associated with a VPC.
      Sid       = "DenyPrivateHostedZones"
      Effect    = "Deny"
      Action    = "route53:CreateHostedZone"
      Resource  = "*"
      Condition = { Null = { "route53:VPCs" = "false" } }
    },
    {
      # An access point is a second name for a bucket with its own policy, and
      # its ARN matches none of the bucket-name rules. None are used here.
      Sid    = "DenyAccessPointCreation"
      Effect = "Deny"
      Action = [
        "s3:CreateAccessPoint",
        "s3:CreateAccessPointForObjectLambda",
        "s3:CreateMultiRegionAccessPoint",
        "s3:PutAccessPointPolicy",
        "s3:PutAccessPointPolicyForObjectLambda",
        "s3:PutMultiRegionAccessPointPolicy",
        "s3:PutAccessPointConfigurationForObjectLambda",
      ]
      Resource = "*"
    },
    {
      # Data requests through an access point (one that exists already, or one
      # made elsewhere) are authorised against the access point's ARN, not the
      # bucket's. (By ARN rather than by s3:DataAccessPointArn, so that an
      # evaluator without conditions, such as moto's, reads it the same way.)
      Sid    = "DenyDataThroughAccessPoints"
      Effect = "Deny"
      Action = ["s3:*", "s3-object-lambda:*"]
      Resource = [
        "arn:aws:s3:*:*:accesspoint/*",
        "arn:aws:s3::*:accesspoint/*",
        "arn:aws:s3-object-lambda:*:*:accesspoint/*",
      ]
    },
  ]

  # Cost allocation tags are account-wide too, but one environment owns their
  # activation (cost_allocation_tags_environment); every other apply role and
  # every boundary is denied.
  cost_allocation_tags_deny = {
    Sid      = "DenyCostAllocationTags"
    Effect   = "Deny"
    Action   = "ce:UpdateCostAllocationTagsStatus"
    Resource = "*"
  }

  # Statements that keep a principal inside environment `e`; used by the apply
  # role of `e` and by the permissions boundary of `e`.
  environment_scope_statements = {
    for e in var.environments : e => concat(
      local.account_wide_deny_statements,
      [
        {
          # An EventBridge rule of this environment must not deliver to another
          # environment's queue (a forged interruption event drains its nodes).
          Sid       = "DenyTargetsInOtherEnvironments"
          Effect    = "Deny"
          Action    = "events:PutTargets"
          Resource  = "*"
          Condition = { ArnLike = { "events:TargetArn" = length(local.other_environment_name_arns[e]) == 0 ? ["arn:aws:none:::none"] : local.other_environment_name_arns[e] } }
        },
        {
          # A VPC's default network ACL and main route table are created by AWS
          # without tags (the vpc module manages neither), and the default ACL
          # guards every subnet without one of its own: an entry denying all
          # traffic, or a claim by tagging, would cut another environment's VPC
          # off. This environment's own are tagged; tagging a resource as it is
          # created (ec2:CreateAction) stays allowed.
          Sid    = "DenyUntaggedNetworkAclsAndRouteTables"
          Effect = "Deny"
          Action = [
            "ec2:AssociateRouteTable",
            "ec2:CreateNetworkAclEntry",
            "ec2:CreateRoute",
            "ec2:CreateTags",
            "ec2:DeleteNetworkAcl",
            "ec2:DeleteNetworkAclEntry",
            "ec2:DeleteRoute",
            "ec2:DeleteRouteTable",
            "ec2:DisableVgwRoutePropagation",
            "ec2:DisassociateRouteTable",
            "ec2:EnableVgwRoutePropagation",
            "ec2:ReplaceNetworkAclAssociation",
            "ec2:ReplaceNetworkAclEntry",
            "ec2:ReplaceRoute",
            "ec2:ReplaceRouteTableAssociation",
          ]
          Resource = ["arn:aws:ec2:*:*:network-acl/*", "arn:aws:ec2:*:*:route-table/*"]
          Condition = {
            Null = { "aws:ResourceTag/Environment" = "true", "ec2:CreateAction" = "true" }
          }
        },
        {
          Sid      = "DenyUntaggedAutoScalingGroups"
          Effect   = "Deny"
          Action   = local.autoscaling_write_actions
          Resource = "*"
          Condition = {
            Null = { "aws:ResourceTag/Environment" = "true" }
            # (IfExists: a group without the key is not this cluster's either.)
            StringNotLikeIfExists = { "aws:ResourceTag/eks:cluster-name" = "${var.project}-${e}-*" }
          }
        },
      ],
      length(local.other_environments[e]) == 0 ? [] : [{
        # Karpenter launches a cluster's nodes into the subnets and security
        # groups tagged karpenter.sh/discovery = <cluster>, in any VPC: a subnet or
        # group of this environment tagged with another environment's cluster
        # would take its nodes (or break its launches).
        Sid       = "DenyDiscoveryTagsOfOtherClusters"
        Effect    = "Deny"
        Action    = "ec2:*"
        Resource  = "*"
        Condition = { StringLike = { "aws:RequestTag/karpenter.sh/discovery" = [for o in local.other_environments[e] : "${var.project}-${o}-*"] } }
      }],
      [
        # What EKS and the controllers create in another environment's clusters,
        # by the cluster name AWS tags it with (one statement per tag key: the
        # keys of one condition must all match).
        for i, key in local.cluster_name_tag_keys : {
          Sid       = "DenyOtherEnvironmentsClusterResources${i}"
          Effect    = "Deny"
          Action    = ["autoscaling:*", "ec2:*", "elasticloadbalancing:*"]
          Resource  = "*"
          Condition = { StringLike = { "aws:ResourceTag/${key}" = [for o in local.other_environments[e] : "${var.project}-${o}-*"] } }
        } if length(local.other_environments[e]) > 0
      ],
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
