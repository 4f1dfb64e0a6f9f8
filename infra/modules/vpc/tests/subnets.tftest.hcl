# The computed subnet layout never overlaps, for every AZ count the module
# accepts (1 to 6), and the module refuses overlapping subnets passed in.
# Offline: the aws provider is mocked, so `terraform test` only needs the
# provider's schema (from the local mirror). Run by scripts/infra-test.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { id = "us-east-1", name = "us-east-1" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
}

variables {
  name               = "mlops-test"
  cidr               = "10.7.0.0/16"
  enable_nat_gateway = false
  enable_flow_log    = false

  flow_log_cloudwatch_log_group_kms_key_id = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
}

run "one_az" {
  command = plan
  variables {
    azs = ["us-east-1a"]
  }
  assert {
    condition     = length(local.overlapping_subnets) == 0 && length(local.all_subnets) == 2
    error_message = "1 AZ: overlapping subnets ${jsonencode(local.overlapping_subnets)}"
  }
}

run "three_azs_keep_the_historic_layout" {
  command = plan
  variables {
    azs = ["us-east-1a", "us-east-1b", "us-east-1c"]
  }
  assert {
    condition     = jsonencode(local.private_subnets) == jsonencode(["10.7.0.0/20", "10.7.16.0/20", "10.7.32.0/20"]) && jsonencode(local.public_subnets) == jsonencode(["10.7.48.0/24", "10.7.49.0/24", "10.7.50.0/24"])
    error_message = "3 AZs: the layout of existing VPCs changed: ${jsonencode(local.all_subnets)}"
  }
}

run "four_azs" {
  command = plan
  variables {
    azs = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]
  }
  assert {
    condition     = length(local.overlapping_subnets) == 0 && length(local.subnets_outside_vpc) == 0 && length(distinct(local.all_subnets)) == 8
    error_message = "4 AZs: overlapping subnets ${jsonencode(local.overlapping_subnets)}"
  }
}

run "five_azs" {
  command = plan
  variables {
    azs = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e"]
  }
  assert {
    condition     = length(local.overlapping_subnets) == 0 && length(local.subnets_outside_vpc) == 0 && length(distinct(local.all_subnets)) == 10
    error_message = "5 AZs: overlapping subnets ${jsonencode(local.overlapping_subnets)}"
  }
}

run "six_azs" {
  command = plan
  variables {
    azs = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"]
  }
  assert {
    condition     = length(local.overlapping_subnets) == 0 && length(local.subnets_outside_vpc) == 0 && length(distinct(local.all_subnets)) == 12
    error_message = "6 AZs: overlapping subnets ${jsonencode(local.overlapping_subnets)}"
  }
  assert {
    condition     = jsonencode(local.private_subnets) == jsonencode(["10.7.0.0/20", "10.7.16.0/20", "10.7.32.0/20", "10.7.64.0/20", "10.7.80.0/20", "10.7.96.0/20"])
    error_message = "6 AZs: unexpected private layout ${jsonencode(local.private_subnets)}"
  }
}

# The overlap check is real: the layout before this fix (private /20 block 3 =
# 10.7.48.0/20 over the public /24s) is refused by the precondition.
run "overlap_is_refused" {
  command = plan
  variables {
    azs             = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]
    private_subnets = ["10.7.0.0/20", "10.7.16.0/20", "10.7.32.0/20", "10.7.48.0/20"]
  }
  expect_failures = [aws_vpc.this]
}

run "outside_the_vpc_is_refused" {
  command = plan
  variables {
    azs            = ["us-east-1a"]
    public_subnets = ["10.8.48.0/24"]
  }
  expect_failures = [aws_vpc.this]
}

# The S3 gateway endpoint sits on every private route table (and only those), so
# S3 traffic from the nodes skips the NAT gateway.
run "s3_gateway_endpoint_on_the_private_route_tables" {
  command = apply
  variables {
    azs = ["us-east-1a", "us-east-1b", "us-east-1c"]
  }
  assert {
    condition     = aws_vpc_endpoint.s3[0].vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.s3[0].service_name == "com.amazonaws.us-east-1.s3" && toset(aws_vpc_endpoint.s3[0].route_table_ids) == toset(aws_route_table.private[*].id) && length(aws_vpc_endpoint.s3[0].route_table_ids) == 3
    error_message = "The S3 gateway endpoint must be on the three private route tables only."
  }
}

run "s3_gateway_endpoint_off" {
  command = plan
  variables {
    azs                        = ["us-east-1a", "us-east-1b"]
    enable_s3_gateway_endpoint = false
  }
  assert {
    condition     = length(aws_vpc_endpoint.s3) == 0
    error_message = "enable_s3_gateway_endpoint = false must drop the endpoint."
  }
}
