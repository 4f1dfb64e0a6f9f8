# The dataset and model roles, offline (aws provider mocked; only its schema comes from
# the local mirror): prefixes, the one bucket, the key only through S3, the Pod
# Identity bindings. scripts/iam-test evaluates the applied policies with
# principalmapper (tests/iam/test_workload_roles.py). Run by scripts/infra-test.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = { id = "us-east-1", name = "us-east-1" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  name                 = "mlops-test"
  cluster_name         = "mlops-test-cluster"
  bucket_arn           = "arn:aws:s3:::mlops-platform-artifacts-test-123456789012"
  kms_key_arn          = "arn:aws:kms:us-east-1:123456789012:key/0123abcd-0000-0000-0000-000000000000"
  permissions_boundary = "arn:aws:iam::123456789012:policy/mlops-boundary-test"
}

override_resource {
  target = module.role["training"].aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/mlops-test-training" }
}
override_resource {
  target = module.role["serving"].aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/mlops-test-serving" }
}

run "training_reads_datasets_and_writes_models" {
  command = apply

  assert {
    condition = (
      output.roles.training.role_name == "mlops-test-training" &&
      output.roles.training.namespace == "ml-training" && output.roles.training.service_account == "training" &&
      output.roles.training.association.role_arn == "arn:aws:iam::123456789012:role/mlops-test-training" &&
      module.role["training"].permissions_boundary == var.permissions_boundary
    )
    error_message = "The training role must be mlops-test-training with the boundary, bound to ml-training/training."
  }

  assert {
    condition = jsonencode({ for s in jsondecode(output.policies.training).Statement : s.Sid => [s.Action, s.Resource] if s.Sid == "ReadDatasets" || s.Sid == "WriteModels" }) == jsonencode({
      ReadDatasets = [["s3:GetObject"], "arn:aws:s3:::mlops-platform-artifacts-test-123456789012/datasets/*"]
      WriteModels  = [["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"], "arn:aws:s3:::mlops-platform-artifacts-test-123456789012/models/*"]
    })
    error_message = "Training reads datasets/* and writes models/* of its bucket: ${output.policies.training}"
  }

  assert {
    condition     = !strcontains(output.policies.training, "s3:DeleteObject") && !strcontains(output.policies.training, "\"s3:*\"") && !strcontains(output.policies.training, "secretsmanager")
    error_message = "Training may not delete objects, use s3:*, or read secrets."
  }
}

run "serving_reads_models_only" {
  command = apply

  assert {
    condition = (
      output.roles.serving.namespace == "model-serving" && output.roles.serving.service_account == "model-serving" &&
      toset(flatten([for s in jsondecode(output.policies.serving).Statement : s.Action])) == toset(["s3:ListBucket", "s3:GetObject", "kms:Decrypt"])
    )
    error_message = "Serving may only list, read and decrypt: ${output.policies.serving}"
  }

  assert {
    condition     = [for s in jsondecode(output.policies.serving).Statement : s.Resource if s.Sid == "ReadModels"] == ["arn:aws:s3:::mlops-platform-artifacts-test-123456789012/models/*"]
    error_message = "Serving reads models/* of its bucket only."
  }

  assert {
    condition     = jsondecode(output.policies.serving).Statement[0].Condition.StringLike["s3:prefix"] == ["models/", "models/*"]
    error_message = "Serving lists models/ only."
  }
}

run "the_key_only_through_s3_and_one_bucket" {
  command = apply

  assert {
    condition = alltrue(flatten([for p in values(output.policies) : [
      for s in jsondecode(p).Statement : (
        startswith(s.Sid, "BucketKey") ? s.Condition.StringEquals["kms:ViaService"] == "s3.us-east-1.amazonaws.com" && s.Resource == var.kms_key_arn
        : startswith(s.Resource, var.bucket_arn)
      )
    ]]))
    error_message = "Every S3 statement names the environment's bucket only, and the key is usable only through S3."
  }

  assert {
    condition     = output.eks_addons == { aws-mountpoint-s3-csi-driver = {} }
    error_message = "The module must ask for the Mountpoint for Amazon S3 CSI driver add-on."
  }
}

run "no_associations_when_switched_off" {
  command = apply
  variables {
    create_pod_identity_associations = false
  }

  assert {
    condition     = output.roles.training.association == null && output.roles.serving.association == null && output.roles.serving.role_name == "mlops-test-serving"
    error_message = "Switching the associations off keeps the roles and drops only the associations."
  }
}

run "a_wildcard_bucket_is_refused" {
  command = plan
  variables {
    bucket_arn = "arn:aws:s3:::*"
  }
  expect_failures = [var.bucket_arn]
}

run "the_same_prefix_for_both_is_refused" {
  command = plan
  variables {
    model_prefix = "datasets/"
  }
  expect_failures = [var.model_prefix]
}
