# The AWS side of Karpenter, offline: the aws provider is mocked (only its
# schema comes from the local mirror), so these runs check what the module
# asks AWS for -- trust, policy scoping, queue wiring, switches -- not AWS's
# answer. Run by scripts/infra-test (terraform test in every module with tests/).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { id = "us-east-1", name = "us-east-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  # The mock's random strings are not JSON; the policies' content is asserted
  # on the documents' statements below, not on this rendered text.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

# ARNs the module cross-references, so assertions can tell them apart.
override_resource {
  target = module.controller_role.aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/mlops-test-karpenter-controller" }
}
override_resource {
  target = aws_iam_role.node
  values = { arn = "arn:aws:iam::123456789012:role/mlops-test-karpenter-node" }
}
override_resource {
  target = aws_sqs_queue.interruption
  values = { arn = "arn:aws:sqs:us-east-1:123456789012:mlops-test-karpenter-interruption", url = "https://sqs.us-east-1.amazonaws.com/123456789012/mlops-test-karpenter-interruption" }
}

variables {
  name                   = "mlops-test"
  cluster_name           = "mlops-test-cluster"
  node_security_group_id = "sg-0123456789abcdef0"
  permissions_boundary   = "arn:aws:iam::123456789012:policy/mlops-boundary-test"
}

run "controller_role_is_for_this_service_account_only" {
  command = apply

  assert {
    condition = (
      module.controller_role.role_name == "mlops-test-karpenter-controller" &&
      module.controller_role.permissions_boundary == var.permissions_boundary &&
      aws_iam_role.node.permissions_boundary == var.permissions_boundary
    )
    error_message = "Both roles must be named mlops-test-karpenter-* and carry the boundary."
  }

  assert {
    condition = (
      module.controller_role.association.namespace == "kube-system" &&
      module.controller_role.association.service_account == "karpenter" &&
      module.controller_role.association.role_arn == module.controller_role.role_arn &&
      module.controller_role.association.cluster_name == "mlops-test-cluster"
    )
    error_message = "The Pod Identity association must bind kube-system/karpenter to the controller role."
  }
}

run "controller_policy_is_scoped_to_this_cluster" {
  command = apply

  # PassRole: only the node role, only to EC2.
  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.controller.statement :
      s.resources == toset([aws_iam_role.node.arn]) && tolist(one(s.condition).values) == tolist(["ec2.amazonaws.com"])
      if contains(s.actions, "iam:PassRole")
    ]) && length([for s in data.aws_iam_policy_document.controller.statement : s if contains(s.actions, "iam:PassRole")]) == 1
    error_message = "iam:PassRole must be granted once, on the node role only, to ec2.amazonaws.com only."
  }

  # Instance profile writes: only under Karpenter's path for this cluster.
  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.controller.statement :
      s.resources == toset(["arn:aws:iam::123456789012:instance-profile/karpenter/us-east-1/mlops-test-cluster/*"])
      if length(setintersection(s.actions, ["iam:CreateInstanceProfile", "iam:TagInstanceProfile", "iam:AddRoleToInstanceProfile", "iam:RemoveRoleFromInstanceProfile", "iam:DeleteInstanceProfile"])) > 0
    ])
    error_message = "Instance profile writes must be limited to instance-profile/karpenter/<region>/<cluster>/*."
  }

  # Every EC2 write outside the fixed launch inputs (AMIs, subnets, SGs, ...)
  # carries a condition on this cluster's tag.
  assert {
    condition = alltrue([
      for s in data.aws_iam_policy_document.controller.statement :
      anytrue([for c in s.condition : strcontains(c.variable, "kubernetes.io/cluster/mlops-test-cluster")])
      if length(setintersection(s.actions, ["ec2:TerminateInstances", "ec2:DeleteLaunchTemplate", "ec2:CreateTags", "ec2:CreateLaunchTemplate"])) > 0
    ])
    error_message = "Terminate/delete/tag/create-launch-template must be conditioned on kubernetes.io/cluster/<cluster> = owned."
  }

  assert {
    condition = one([
      for s in data.aws_iam_policy_document.controller.statement : s.resources if s.sid == "AllowInterruptionQueueActions"
    ]) == toset([aws_sqs_queue.interruption.arn])
    error_message = "SQS actions must be limited to the interruption queue."
  }
}

run "node_role_and_access_entry" {
  command = apply

  assert {
    condition = toset([for a in aws_iam_role_policy_attachment.node : a.policy_arn]) == toset([
      "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
      "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
      "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    ])
    error_message = "The node role needs exactly the three node policies (no SSM: Systems Manager would run commands on the nodes)."
  }

  assert {
    condition     = aws_iam_role.node.name == "mlops-test-karpenter-node" && jsondecode(aws_iam_role.node.assume_role_policy).Statement[0].Principal.Service == "ec2.amazonaws.com"
    error_message = "The node role is mlops-test-karpenter-node, trusted by EC2."
  }

  assert {
    condition     = aws_eks_access_entry.node[0].type == "EC2_LINUX" && aws_eks_access_entry.node[0].principal_arn == aws_iam_role.node.arn
    error_message = "The node role needs an EC2_LINUX access entry."
  }
}

run "interruption_queue_and_rules" {
  command = apply

  assert {
    condition     = aws_sqs_queue.interruption.sqs_managed_sse_enabled && aws_sqs_queue.interruption.message_retention_seconds == 300
    error_message = "The queue must be encrypted (SQS-managed SSE) and keep messages 300 s."
  }

  assert {
    condition = toset([for r in aws_cloudwatch_event_rule.interruption : jsondecode(r.event_pattern)["detail-type"][0]]) == toset([
      "EC2 Spot Instance Interruption Warning",
      "EC2 Instance Rebalance Recommendation",
      "EC2 Instance State-change Notification",
      "AWS Health Event",
      "EC2 Capacity Reservation Instance Interruption Warning",
    ])
    error_message = "The rules must cover spot interruption, rebalance, state change, scheduled (Health) change and capacity reservation interruption."
  }

  assert {
    condition = alltrue([
      for k, t in aws_cloudwatch_event_target.interruption : t.arn == aws_sqs_queue.interruption.arn && t.rule == aws_cloudwatch_event_rule.interruption[k].name
    ]) && length(aws_cloudwatch_event_target.interruption) == 5
    error_message = "Every rule must target the interruption queue."
  }

  assert {
    condition = (
      toset(flatten(data.aws_iam_policy_document.queue.statement[0].principals[*].identifiers)) == toset(["events.amazonaws.com"]) &&
      data.aws_iam_policy_document.queue.statement[0].actions == toset(["sqs:SendMessage"]) &&
      toset(flatten(data.aws_iam_policy_document.queue.statement[0].condition[*].values)) == toset([for r in aws_cloudwatch_event_rule.interruption : "arn:aws:events:us-east-1:123456789012:rule/${r.name}"]) &&
      data.aws_iam_policy_document.queue.statement[1].effect == "Deny" &&
      data.aws_iam_policy_document.queue.statement[2].effect == "Deny"
    )
    error_message = "The queue policy lets only EventBridge send, only for this module's five rules (aws:SourceArn), denies every other sender and plain HTTP."
  }
}

run "security_group_discovery_tag" {
  command = apply

  assert {
    condition = (
      aws_ec2_tag.node_security_group_discovery[0].resource_id == "sg-0123456789abcdef0" &&
      aws_ec2_tag.node_security_group_discovery[0].key == "karpenter.sh/discovery" &&
      aws_ec2_tag.node_security_group_discovery[0].value == "mlops-test-cluster"
    )
    error_message = "The node security group must get karpenter.sh/discovery = <cluster>."
  }
}

# The switches moto needs: every one removes only its resource.
run "switches_off" {
  command = apply
  variables {
    create_pod_identity_association = false
    create_access_entry             = false
    tag_node_security_group         = false
    node_security_group_id          = null
  }

  assert {
    condition     = module.controller_role.association == null && length(aws_eks_access_entry.node) == 0 && length(aws_ec2_tag.node_security_group_discovery) == 0
    error_message = "Switched-off resources must not be created."
  }

  assert {
    condition     = output.pod_identity_association_id == null && module.controller_role.role_name != "" && aws_sqs_queue.interruption.name == "mlops-test-karpenter-interruption"
    error_message = "The roles and the queue stay when the switches are off."
  }
}

run "tag_without_security_group_is_refused" {
  command = plan
  variables {
    node_security_group_id = null
  }
  expect_failures = [aws_ec2_tag.node_security_group_discovery]
}

# (A bad namespace is refused by modules/pod-identity-role, tests/trust.tftest.hcl.)
