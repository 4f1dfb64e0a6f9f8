# The AWS side of the AWS Load Balancer Controller, offline (aws provider
# mocked; only its schema comes from the local mirror). Run by
# scripts/infra-test (terraform test in every module with tests/).

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  # The mock's random strings are not JSON; the trust is asserted on the
  # document's statements below.
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

variables {
  name                 = "mlops-test"
  cluster_name         = "mlops-test-cluster"
  permissions_boundary = "arn:aws:iam::123456789012:policy/mlops-boundary-test"
}

# The association needs the role's ARN.
override_resource {
  target = module.controller_role.aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/mlops-test-lb-controller" }
}

run "role_for_the_controller_service_account" {
  command = apply

  assert {
    condition     = module.controller_role.role_name == "mlops-test-lb-controller" && module.controller_role.permissions_boundary == var.permissions_boundary
    error_message = "The role must be mlops-test-lb-controller with the boundary."
  }

  assert {
    condition = (
      module.controller_role.association.namespace == "kube-system" &&
      module.controller_role.association.service_account == "aws-load-balancer-controller" &&
      module.controller_role.association.role_arn == module.controller_role.role_arn
    )
    error_message = "The Pod Identity association must bind kube-system/aws-load-balancer-controller to the role."
  }

  assert {
    condition     = aws_acm_certificate.this == [] && output.certificate_arn == null && output.certificate_domain_validation_options == []
    error_message = "No certificate unless acm_domain_name is set."
  }
}

# The role carries the upstream document unchanged (the file is pinned by
# its sha256 in main.tf, checked by the iam_policy_version output; this checks it is what reaches IAM).
run "policy_is_the_upstream_file" {
  command = apply

  assert {
    condition     = jsondecode(module.controller_role.policy) == jsondecode(file("iam_policy.json"))
    error_message = "The inline policy must be iam_policy.json as committed."
  }

  assert {
    condition = alltrue([for a in ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DeleteLoadBalancer", "ec2:AuthorizeSecurityGroupIngress", "elasticloadbalancing:RegisterTargets", "acm:DescribeCertificate"] :
      anytrue([for s in jsondecode(module.controller_role.policy).Statement : s.Effect == "Allow" && contains(flatten([s.Action]), a)])
    ])
    error_message = "The upstream policy lost actions the controller needs."
  }

  assert {
    condition     = output.iam_policy_version == "v3.5.0" && filesha256("iam_policy.json") == "16f232c9d9f79366fe949c4550ad517a202380058a9e48d45a4e215044a20a6a"
    error_message = "iam_policy.json is not upstream v3.5.0's."
  }
}

run "certificate_with_dns_validation" {
  command = apply
  variables {
    acm_domain_name               = "models.dev.example.com"
    acm_subject_alternative_names = ["api.dev.example.com"]
  }

  assert {
    condition = (
      aws_acm_certificate.this[0].domain_name == "models.dev.example.com" &&
      aws_acm_certificate.this[0].validation_method == "DNS" &&
      aws_acm_certificate.this[0].options[0].certificate_transparency_logging_preference == "ENABLED" &&
      toset(aws_acm_certificate.this[0].subject_alternative_names) == toset(["api.dev.example.com"])
    )
    error_message = "The certificate must be requested for the domain with DNS validation and CT logging."
  }

  assert {
    condition     = output.certificate_arn == aws_acm_certificate.this[0].arn
    error_message = "certificate_arn must be the requested certificate."
  }
}

run "no_association_when_switched_off" {
  command = apply
  variables {
    create_pod_identity_association = false
  }

  assert {
    condition     = module.controller_role.association == null && output.pod_identity_association_id == null && module.controller_role.role_name == "mlops-test-lb-controller"
    error_message = "Switching the association off keeps the role and drops only the association."
  }
}

run "bad_domain_is_refused" {
  command = plan
  variables {
    acm_domain_name = "https://models.example.com"
  }
  expect_failures = [var.acm_domain_name]
}
