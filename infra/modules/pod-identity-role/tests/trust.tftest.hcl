# The trust of a Pod Identity role, offline (aws provider mocked; only its schema
# comes from the local mirror). Run by scripts/infra-test.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

override_resource {
  target = aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/mlops-test-controller" }
}

variables {
  name                 = "mlops-test-controller"
  purpose              = "Test controller"
  binding              = { cluster_name = "mlops-test-cluster", namespace = "kube-system", service_account = "controller", associate = true }
  permissions_boundary = "arn:aws:iam::123456789012:policy/mlops-boundary-test"
  policy               = { name = "controller", json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"ec2:DescribeInstances\",\"Resource\":\"*\"}]}" }
}

run "only_this_clusters_agent_for_this_service_account" {
  command = apply

  assert {
    condition = (
      jsonencode(data.aws_iam_policy_document.trust.statement[0].principals[*].identifiers) == jsonencode([["pods.eks.amazonaws.com"]]) &&
      toset(data.aws_iam_policy_document.trust.statement[0].actions) == toset(["sts:AssumeRole", "sts:TagSession"])
    )
    error_message = "The role must trust EKS Pod Identity (pods.eks.amazonaws.com, AssumeRole + TagSession)."
  }

  assert {
    condition = jsonencode({
      for c in data.aws_iam_policy_document.trust.statement[0].condition : c.variable => c.values
      }) == jsonencode({
      "aws:SourceAccount"                         = ["123456789012"]
      "aws:RequestTag/eks-cluster-name"           = ["mlops-test-cluster"]
      "aws:RequestTag/kubernetes-namespace"       = ["kube-system"]
      "aws:RequestTag/kubernetes-service-account" = ["controller"]
    })
    error_message = "The trust must pin account, cluster, namespace and service account: ${jsonencode(data.aws_iam_policy_document.trust.statement[0].condition)}"
  }

  assert {
    condition     = aws_iam_role.this.permissions_boundary == var.permissions_boundary && aws_iam_role_policy.this.policy == var.policy.json && aws_iam_role.this.description == "Test controller of mlops-test-cluster (kube-system/controller, EKS Pod Identity)."
    error_message = "The role carries the boundary and the given policy."
  }

  assert {
    condition     = aws_eks_pod_identity_association.this[0].role_arn == aws_iam_role.this.arn && aws_eks_pod_identity_association.this[0].service_account == "controller"
    error_message = "The association binds the service account to the role."
  }
}

run "bad_namespace_is_refused" {
  command = plan
  variables {
    binding = { cluster_name = "mlops-test-cluster", namespace = "Kube_System", service_account = "controller", associate = true }
  }
  expect_failures = [var.binding]
}
