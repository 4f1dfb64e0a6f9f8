"""The indirect routes from one environment to another, call by call.

A route is the sequence of calls an attacker with one principal would make; it
is open when every call is allowed. Each call is evaluated by principalmapper's
evaluator against the principal's rendered policies (inline, managed, its
permissions boundary) and, where the call reaches a resource with a policy of
its own (a bucket, a key, a queue), that resource policy as well. A call made
by an AWS service on the attacker's behalf (EventBridge delivering to a queue)
is evaluated against the resource policy for that service.

The attackers are dev's apply role (whatever is merged to main runs with it),
a role that apply role may create under dev's permissions boundary (with any
policy and any trust, including an outside account's), and dev's plan role
(any same-repository pull request runs with it). The target is prod. Prod's
queue and bucket policies are dev's as rendered (one module for both), with
prod's names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Optional

from authz import ADMIN, Account, allowed
from principalmapper.querying.local_policy_simulation import ResourcePolicyEvalResult, resource_policy_authorization

PROJECT = "mlops"
REGION = "us-east-1"
OWN, OTHER = "dev", "prod"


@dataclass(frozen=True)
class Call:
    action: str
    resource: str
    context: dict = field(default_factory=dict)
    # Name of a resource policy (resource_policies below) the call also passes.
    policy: Optional[str] = None
    # Made by this AWS service rather than by the attacker.
    service: Optional[str] = None
    # Only the resource policy is asked (a request through an access point: the
    # caller's own policies are evaluated against the access point's ARN, in the
    # call before, and the bucket policy against the bucket's).
    resource_policy_only: bool = False


@dataclass(frozen=True)
class Route:
    name: str
    calls: tuple[Call, ...]
    # Who makes the calls not made by a service: "apply", "bounded" or "plan";
    # "apply+bounded" means the first call by the apply role, the rest by the
    # role it created.
    attackers: tuple[str, ...] = ("apply", "bounded", "plan")


def resource_policies(account: Account, exported: dict, bucket_policy: dict) -> dict[str, Optional[dict]]:
    """The rendered resource policies, keyed by the names the routes use."""
    acct = account.account_id

    def as_prod(doc: Optional[dict]) -> Optional[dict]:
        if doc is None:
            return None
        return json.loads(json.dumps(doc).replace(f"{PROJECT}-{OWN}-", f"{PROJECT}-{OTHER}-").replace(f"-{OWN}-{acct}", f"-{OTHER}-{acct}"))

    return {
        "state_bucket": bucket_policy,
        "state_access_logs": exported.get("state_access_logs"),
        "trail_bucket": exported.get("trail_bucket"),
        "trail_key": exported.get("trail_key"),
        "prod_artifacts": as_prod(exported.get("dev_artifacts")),
        "prod_interruption_queue": as_prod(exported.get("dev_interruption_queue")),
    }


def routes(acct: str, state_bucket: str) -> list[Route]:
    arn_ssm = f"arn:aws:ssm:{REGION}:{acct}"
    prod_cluster = f"{PROJECT}-{OTHER}-cluster"
    prod_queue = f"arn:aws:sqs:{REGION}:{acct}:{PROJECT}-{OTHER}-karpenter-interruption"
    forged_rule = f"arn:aws:events:{REGION}:{acct}:rule/{PROJECT}-{OWN}-forged"
    access_point = f"arn:aws:s3:{REGION}:{acct}:accesspoint/{PROJECT}-{OWN}-ap"
    prod_bucket = f"arn:aws:s3:::{PROJECT}-platform-artifacts-{OTHER}-{acct}"
    through_ap = {"s3:DataAccessPointArn": access_point, "s3:DataAccessPointAccount": acct}
    prod_asg = f"arn:aws:autoscaling:{REGION}:{acct}:autoScalingGroup:00000000-0000-0000-0000-000000000000:autoScalingGroupName/eks-system-{OTHER}"
    prod_asg_tags = {"aws:ResourceTag/eks:cluster-name": prod_cluster, "aws:ResourceTag/eks:nodegroup-name": "system"}
    state = f"arn:aws:s3:::{state_bucket}"
    logs = f"arn:aws:s3:::{state_bucket}-access-logs"
    trail_bucket = f"arn:aws:s3:::{state_bucket}-cloudtrail"
    trail = f"arn:aws:cloudtrail:{REGION}:{acct}:trail/{PROJECT}-account-trail"
    trail_key = f"arn:aws:kms:{REGION}:{acct}:key/11111111-1111-1111-1111-111111111111"
    shared = {"aws:ResourceTag/Environment": "shared"}
    backdoor = f"arn:aws:iam::{acct}:role/{PROJECT}-{OWN}-backdoor"
    with_boundary = {"iam:PermissionsBoundary": f"arn:aws:iam::{acct}:policy/{PROJECT}-boundary-{OWN}"}

    result = [
        # 1. Systems Manager runs a shell on prod's nodes, selected by tag.
        Route("ssm maintenance window on prod's nodes", (
            Call("ssm:CreateMaintenanceWindow", f"{arn_ssm}:maintenancewindow/*", {"aws:RequestTag/Environment": OWN}),
            Call("ssm:RegisterTargetWithMaintenanceWindow", f"{arn_ssm}:maintenancewindow/mw-0123456789abcdef0", {"aws:ResourceTag/Environment": OWN}),
            Call("ssm:RegisterTaskWithMaintenanceWindow", f"{arn_ssm}:maintenancewindow/mw-0123456789abcdef0", {"aws:ResourceTag/Environment": OWN}),
        )),
        Route("ssm association running AWS-RunShellScript on prod's nodes", (
            Call("ssm:CreateAssociation", f"arn:aws:ssm:{REGION}::document/AWS-RunShellScript"),
        )),
        Route("ssm automation running a shell", (
            Call("ssm:StartAutomationExecution", f"arn:aws:ssm:{REGION}::automation-definition/AWS-RunShellScript:$DEFAULT"),
        )),
        Route("ssm default host management (every instance managed through a chosen role)", (
            Call("ssm:UpdateServiceSetting", f"{arn_ssm}:servicesetting/ssm/managed-instance/default-ec2-instance-management-role"),
        )),
        # 2. A forged "instance stopping" event into prod's interruption queue.
        Route("forged interruption event into prod's queue", (
            Call("events:PutRule", forged_rule, {"aws:RequestTag/Environment": OWN}),
            Call("events:PutTargets", forged_rule, {"events:TargetArn": prod_queue}),
            Call("sqs:SendMessage", prod_queue, {"aws:SourceArn": forged_rule, "aws:SourceAccount": acct}, "prod_interruption_queue", "events.amazonaws.com"),
        )),
        # 3. An access point on prod's artifact bucket.
        Route("access point on prod's artifact bucket, then delete model versions", (
            Call("s3:CreateAccessPoint", access_point),
            Call("s3:DeleteObjectVersion", f"{access_point}/object/model.bin", through_ap),
            Call("s3:DeleteObjectVersion", f"{prod_bucket}/model.bin", through_ap, "prod_artifacts", resource_policy_only=True),
        ), ("apply", "bounded")),
        Route("an existing access point: overwrite prod's model", (
            Call("s3:PutObject", f"{access_point}/object/model.bin", through_ap),
            Call("s3:PutObject", f"{prod_bucket}/model.bin", through_ap, "prod_artifacts", resource_policy_only=True),
        )),
        # 4. What EKS creates in prod without the Environment tag.
        Route("scale prod's system node group to zero", (
            Call("autoscaling:UpdateAutoScalingGroup", prod_asg, prod_asg_tags),
        )),
        Route("claim prod's node group by tagging it, then scale it", (
            Call("autoscaling:CreateOrUpdateTags", prod_asg, {**prod_asg_tags, "aws:RequestTag/Environment": OWN, "aws:TagKeys": ["Environment"]}),
            Call("autoscaling:SetDesiredCapacity", prod_asg, {**prod_asg_tags, "aws:ResourceTag/Environment": OWN}),
        )),
        Route("claim an untagged Auto Scaling group", (
            Call("autoscaling:CreateOrUpdateTags", f"{prod_asg}-other", {"aws:RequestTag/Environment": OWN, "aws:TagKeys": ["Environment"]}),
        )),
        Route("open prod's cluster security group", (
            Call("ec2:AuthorizeSecurityGroupIngress", f"arn:aws:ec2:{REGION}:{acct}:security-group/sg-0123456789abcdef0", {"aws:ResourceTag/aws:eks:cluster-name": prod_cluster}),
        )),
        Route("terminate a node Karpenter launched for prod", (
            Call("ec2:TerminateInstances", f"arn:aws:ec2:{REGION}:{acct}:instance/i-0123456789abcdef0", {"aws:ResourceTag/eks:eks-cluster-name": prod_cluster, "aws:ResourceTag/karpenter.sh/nodepool": "default"}),
        )),
        Route("delete a load balancer prod's controller created", (
            Call("elasticloadbalancing:DeleteLoadBalancer", f"arn:aws:elasticloadbalancing:{REGION}:{acct}:loadbalancer/app/k8s-serving/0123456789abcdef", {"aws:ResourceTag/elbv2.k8s.aws/cluster": prod_cluster}),
        )),
    ]
    # 5. Account-wide APIs: one call each.
    for action, resource in [
        ("logs:PutAccountPolicy", "*"),
        ("ecr:PutReplicationConfiguration", f"arn:aws:ecr:{REGION}:{acct}:registry/{acct}"),
        ("ecr:PutRegistryPolicy", f"arn:aws:ecr:{REGION}:{acct}:registry/{acct}"),
        ("cloudtrail:StopLogging", trail),
        ("cloudtrail:DeleteTrail", trail),
        ("cloudtrail:PutEventSelectors", trail),
        ("guardduty:DeleteDetector", f"arn:aws:guardduty:{REGION}:{acct}:detector/12abc34d567e8fa901bc2d34e56789f0"),
        ("ec2:DisableEbsEncryptionByDefault", "*"),
        ("ce:UpdateCostAllocationTagsStatus", "*"),
        ("ecr:CreateRepositoryCreationTemplate", "*"),
        ("sso:CreateAccountAssignment", "arn:aws:sso:::instance/ssoins-0123456789abcdef"),
        ("iam:DeleteServiceLinkedRole", f"arn:aws:iam::{acct}:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS"),
        ("access-analyzer:CreateArchiveRule", f"arn:aws:access-analyzer:{REGION}:{acct}:analyzer/{PROJECT}-external-access"),
        ("access-analyzer:DeleteAnalyzer", f"arn:aws:access-analyzer:{REGION}:{acct}:analyzer/{PROJECT}-external-access"),
    ]:
        result.append(Route(f"account-wide {action}", (Call(action, resource),)))
    result += [
        Route("erase the account trail's files", (Call("s3:DeleteObject", f"{trail_bucket}/AWSLogs/{acct}/CloudTrail/x.json.gz", {}, "trail_bucket"),)),
        Route("disable the account trail's key", (Call("kms:DisableKey", trail_key, shared, "trail_key"),)),
        # 6. A role with a backdoor trust: the outsider acts with the boundary.
        *(
            Route(f"backdoor role, then the outsider calls {c.action}", (Call("iam:CreateRole", backdoor, with_boundary), c), ("apply+bounded",))
            for c in [
                Call("cloudtrail:StopLogging", trail),
                Call("s3:DeleteObject", f"{logs}/s3-access-logs/x", {}, "state_access_logs"),
                Call("s3:CreateAccessPoint", access_point),
                Call("ssm:CreateAssociation", f"arn:aws:ssm:{REGION}::document/AWS-RunShellScript"),
                Call("autoscaling:UpdateAutoScalingGroup", prod_asg, prod_asg_tags),
            ]
        ),
        # 9. A CI role handed to a service: an instance (or a pod) that runs as
        # prod's apply role, or as dev's outside any workflow. The instance
        # profile is dev's own; the role in it is the bootstrap's.
        *(
            Route(f"launch an instance as {role} (dev's instance profile, the CI role passed to EC2)", (
                Call("iam:CreateInstanceProfile", f"arn:aws:iam::{acct}:instance-profile/{PROJECT}-{OWN}-runner"),
                Call("iam:AddRoleToInstanceProfile", f"arn:aws:iam::{acct}:instance-profile/{PROJECT}-{OWN}-runner"),
                Call("iam:PassRole", f"arn:aws:iam::{acct}:role/{role}", {"iam:PassedToService": "ec2.amazonaws.com"}),
            ), ("apply", "bounded"))
            for role in (f"{PROJECT}-gha-apply-{OTHER}", f"{PROJECT}-gha-apply-{OWN}", f"{PROJECT}-gha-plan-{OTHER}")
        ),
        *(
            Route(f"pass {role} to {service}", (
                Call("iam:PassRole", f"arn:aws:iam::{acct}:role/{role}", {"iam:PassedToService": service}),
            ))
            for role in (f"{PROJECT}-gha-apply-{OTHER}", f"{PROJECT}-gha-apply-{OWN}")
            for service in ("ec2.amazonaws.com", "pods.eks.amazonaws.com", "eks.amazonaws.com", "lambda.amazonaws.com")
        ),
        # 10. Prod's MLflow database and its secret: RDS and Secrets Manager are
        # reached by name or by the Environment tag, like everything else.
        Route("snapshot prod's MLflow database and share the snapshot", (
            Call("rds:CreateDBSnapshot", f"arn:aws:rds:{REGION}:{acct}:db:{PROJECT}-{OTHER}-mlflow", {"aws:ResourceTag/Environment": OTHER}),
            Call("rds:ModifyDBSnapshotAttribute", f"arn:aws:rds:{REGION}:{acct}:snapshot:{PROJECT}-{OWN}-copy", {"aws:ResourceTag/Environment": OWN}),
        ), ("apply", "bounded")),
        Route("reset the master password of prod's MLflow database", (
            Call("rds:ModifyDBInstance", f"arn:aws:rds:{REGION}:{acct}:db:{PROJECT}-{OTHER}-mlflow", {"aws:ResourceTag/Environment": OTHER}),
        ), ("apply", "bounded")),
        Route("delete an untagged database named for prod", (
            Call("rds:DeleteDBInstance", f"arn:aws:rds:{REGION}:{acct}:db:{PROJECT}-{OTHER}-mlflow"),
        ), ("apply", "bounded")),
        Route("delete a secret tagged for prod", (
            Call("secretsmanager:DeleteSecret", f"arn:aws:secretsmanager:{REGION}:{acct}:secret:rds!db-0123-AbCdEf", {"aws:ResourceTag/Environment": OTHER}),
        ), ("apply", "bounded")),
        # 11. DNS of prod's VPC, set from outside it (the VPC is named only by ID).
        Route("private hosted zone associated with prod's VPC (redirect its lookups)", (
            Call("route53:CreateHostedZone", "arn:aws:route53:::hostedzone/*", {"route53:VPCs": ["vpc-0prod"]}),
        ), ("apply", "bounded")),
        Route("associate a zone of dev's with prod's VPC", (
            Call("route53:AssociateVPCWithHostedZone", "arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ", {"route53:VPCs": ["vpc-0prod"]}),
        ), ("apply", "bounded")),
        *(
            Route(f"DNS of prod's VPC through {action}", (
                Call(action, f"arn:aws:route53resolver:{REGION}:{acct}:{kind}/rslvr-0123456789abcdef"),
            ), ("apply", "bounded"))
            for action, kind in [
                ("route53resolver:AssociateFirewallRuleGroup", "firewall-rule-group"),
                ("route53resolver:AssociateResolverRule", "resolver-rule"),
                ("route53resolver:AssociateResolverQueryLogConfig", "resolver-query-log-config"),
                ("route53profiles:AssociateProfile", "profile"),
            ]
        ),
        # 12. A prod pod's network interface (the VPC CNI tags it with the cluster).
        Route("release the addresses of prod's pods", (
            Call("ec2:UnassignPrivateIpAddresses", f"arn:aws:ec2:{REGION}:{acct}:network-interface/eni-0123456789abcdef0", {"aws:ResourceTag/cluster.k8s.amazonaws.com/name": prod_cluster}),
        ), ("apply", "bounded")),
        # 13. Karpenter finds a cluster's subnets and security groups by tag.
        Route("tag a subnet of dev's for prod's Karpenter (prod's nodes in dev's network)", (
            Call("ec2:CreateTags", f"arn:aws:ec2:{REGION}:{acct}:subnet/subnet-0123456789abcdef0", {"aws:ResourceTag/Environment": OWN, "aws:RequestTag/karpenter.sh/discovery": prod_cluster, "aws:TagKeys": ["karpenter.sh/discovery"]}),
        ), ("apply", "bounded")),
        Route("create a security group that prod's Karpenter attaches to its nodes", (
            Call("ec2:CreateSecurityGroup", f"arn:aws:ec2:{REGION}:{acct}:security-group/*", {"aws:RequestTag/Environment": OWN, "aws:RequestTag/karpenter.sh/discovery": prod_cluster, "aws:TagKeys": ["Environment", "karpenter.sh/discovery"]}),
        ), ("apply", "bounded")),
        # 14. What AWS creates untagged with prod's VPC: its default network ACL
        # (every subnet without its own) and its main route table.
        Route("deny all traffic in prod's default network ACL", (
            Call("ec2:CreateNetworkAclEntry", f"arn:aws:ec2:{REGION}:{acct}:network-acl/acl-0123456789abcdef0"),
        ), ("apply", "bounded")),
        Route("claim prod's default network ACL by tagging it, then edit it", (
            Call("ec2:CreateTags", f"arn:aws:ec2:{REGION}:{acct}:network-acl/acl-0123456789abcdef0", {"aws:RequestTag/Environment": OWN, "aws:TagKeys": ["Environment"]}),
            Call("ec2:ReplaceNetworkAclEntry", f"arn:aws:ec2:{REGION}:{acct}:network-acl/acl-0123456789abcdef0", {"aws:ResourceTag/Environment": OWN}),
        ), ("apply", "bounded")),
        Route("move prod's subnets to its main route table (no NAT route)", (
            Call("ec2:ReplaceRouteTableAssociation", f"arn:aws:ec2:{REGION}:{acct}:route-table/rtb-0123456789abcdef0"),
        ), ("apply", "bounded")),
        # 15. CloudWatch's service-linked role terminates what an alarm names.
        Route("an alarm on prod's node that terminates it", (
            Call("cloudwatch:PutMetricAlarm", f"arn:aws:cloudwatch:{REGION}:{acct}:alarm:{PROJECT}-{OWN}-cpu", {"cloudwatch:AlarmActions": [f"arn:aws:automate:{REGION}:ec2:terminate"]}),
        ), ("apply", "bounded")),
        # 7. What a pull request's code reads with the plan role.
        Route("plan role lists Lambda functions (their environment variables)", (Call("lambda:ListFunctions", "*"),), ("plan",)),
        Route("plan role reads ECS task definitions (environment, secrets)", (Call("ecs:DescribeTaskDefinition", "*"),), ("plan",)),
        Route("plan role reads API Gateway keys", (Call("apigateway:GET", f"arn:aws:apigateway:{REGION}::/apikeys"),), ("plan",)),
        Route("plan role reads log events", (Call("logs:GetLogEvents", f"arn:aws:logs:{REGION}:{acct}:log-group:/aws/eks/{prod_cluster}/cluster:log-stream:x"),), ("plan",)),
        Route("plan role lists prod's artifact bucket", (Call("s3:ListBucket", prod_bucket, {}, "prod_artifacts"),), ("plan",)),
        Route("plan role lists the state access logs", (Call("s3:ListBucket", logs, {}, "state_access_logs"),), ("plan",)),
        Route("plan role describes prod's cluster", (Call("eks:DescribeCluster", f"arn:aws:eks:{REGION}:{acct}:cluster/{prod_cluster}"),), ("plan",)),
    ]
    # 8. The state bucket's settings and its audit trail.
    for action, resource, policy in [
        ("s3:PutBucketNotification", state, "state_bucket"),
        ("s3:PutInventoryConfiguration", state, "state_bucket"),
        ("s3:PutBucketRequestPayment", state, "state_bucket"),
        ("s3:PutBucketTagging", state, "state_bucket"),
        ("s3:PutAnalyticsConfiguration", state, "state_bucket"),
        ("s3:PutLifecycleConfiguration", logs, "state_access_logs"),
        ("s3:PutBucketPolicy", logs, "state_access_logs"),
        ("s3:DeleteBucket", logs, "state_access_logs"),
        ("s3:DeleteObject", f"{logs}/s3-access-logs/{state_bucket}/2026-01-01", "state_access_logs"),
        ("s3:PutObject", f"{logs}/s3-access-logs/{state_bucket}/2026-01-01", "state_access_logs"),
    ]:
        result.append(Route(f"state audit trail: {action} on {resource.split(':::')[-1]}", (Call(action, resource, {}, policy),)))
    return result


def _call_allowed(node, call: Call, acct: str, policies: dict) -> bool:
    policy = policies.get(call.policy) if call.policy else None
    if call.policy and policy is None and call.service:
        # No policy on the queue: a service is refused only by a policy.
        return True
    if call.resource_policy_only:
        if policy is None:
            return True
        return resource_policy_authorization(node, acct, policy, call.action, call.resource, dict(call.context)) != ResourcePolicyEvalResult.DENY_MATCH
    if call.service:
        result = resource_policy_authorization(call.service, acct, policy, call.action, call.resource, dict(call.context))
        return result == ResourcePolicyEvalResult.SERVICE_MATCH
    return allowed(node, call.action, call.resource, call.context, resource_policy=policy, owner=acct if policy else None)


def attackers(account: Account) -> dict[str, object]:
    acct = account.account_id
    return {
        "apply": account.node(f"{PROJECT}-gha-apply-{OWN}"),
        "bounded": account.synthetic_node(f"{PROJECT}-{OWN}-backdoor", [ADMIN], f"arn:aws:iam::{acct}:policy/{PROJECT}-boundary-{OWN}"),
        "plan": account.node(f"{PROJECT}-gha-plan-{OWN}"),
    }


def open_routes(account: Account, policies: dict, state_bucket: str) -> list[str]:
    """Every route some attacker can walk to the end. Empty means all closed."""
    acct = account.account_id
    who = attackers(account)
    found = []
    for route in routes(acct, state_bucket):
        for attacker in route.attackers:
            if attacker == "apply+bounded":
                steps = [(who["apply"], route.calls[0])] + [(who["bounded"], c) for c in route.calls[1:]]
            else:
                steps = [(who[attacker], c) for c in route.calls]
            if all(_call_allowed(node, call, acct, policies) for node, call in steps):
                found.append(f"{attacker}: {route.name}")
    return found
