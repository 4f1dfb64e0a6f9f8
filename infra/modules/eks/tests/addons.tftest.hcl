# Add-on versions: an unpinned add-on gets the version data.aws_eks_addon_version
# resolves for the cluster's Kubernetes version, a pinned one keeps its pin, and an
# add-on EKS publishes no version for fails the plan (not the apply).
# Offline: the aws provider is mocked (schema from the local mirror). Run by scripts/infra-test.

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_default_tags" {
    defaults = { tags = {} }
  }
  mock_data "aws_eks_addon_version" {
    defaults = { version = "v9.9.9-eksbuild.1" }
  }
}

variables {
  name                            = "mlops-test-cluster"
  kubernetes_version              = "1.35"
  vpc_id                          = "vpc-0123456789abcdef0"
  subnet_ids                      = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
  cloudwatch_log_group_kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  encryption_config = {
    provider_key_arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  }
  enable_irsa           = false
  enable_access_entries = false
  eks_managed_node_groups = {
    default = { instance_types = ["t3.large"], min_size = 1, max_size = 2, desired_size = 1 }
  }
}

run "unpinned_resolve_and_pinned_stay" {
  command = plan

  variables {
    addons = {
      vpc-cni = { before_compute = true, addon_version = "v1.19.0-eksbuild.1" }
      coredns = {}
    }
  }

  assert {
    condition     = keys(data.aws_eks_addon_version.this) == ["coredns"]
    error_message = "only the unpinned add-on is looked up"
  }
  assert {
    condition     = data.aws_eks_addon_version.this["coredns"].kubernetes_version == "1.35" && data.aws_eks_addon_version.this["coredns"].most_recent
    error_message = "the lookup asks for the newest version for the cluster's Kubernetes version"
  }
  assert {
    condition     = aws_eks_addon.this["coredns"].addon_version == "v9.9.9-eksbuild.1"
    error_message = "an unpinned add-on takes the resolved version"
  }
  assert {
    condition     = aws_eks_addon.before_compute["vpc-cni"].addon_version == "v1.19.0-eksbuild.1"
    error_message = "a pinned add-on keeps its pin"
  }
  assert {
    condition     = aws_eks_addon.this["coredns"].preserve && aws_eks_addon.before_compute["vpc-cni"].preserve
    error_message = "add-ons are preserved in the cluster when the resource is destroyed"
  }
  assert {
    condition     = aws_eks_addon.this["coredns"].resolve_conflicts_on_create == "OVERWRITE" && aws_eks_addon.this["coredns"].resolve_conflicts_on_update == "OVERWRITE"
    error_message = "conflict resolution is set on create and update"
  }
}

run "unknown_addon_fails_at_plan" {
  command = plan

  variables {
    addons = { no-such-addon = {} }
  }

  override_data {
    target = data.aws_eks_addon_version.this
    values = { version = "" }
  }

  expect_failures = [data.aws_eks_addon_version.this]
}

run "bad_conflict_resolution_is_refused" {
  command = plan

  variables {
    addons = { coredns = { resolve_conflicts_on_create = "PRESERVE" } }
  }

  expect_failures = [var.addons]
}
