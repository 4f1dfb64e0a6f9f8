data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  az_count = length(var.azs)

  # Default layout of the /16: private /20s in blocks 0, 1, 2, 4, 5, 6 and public
  # /24s 48..53, which all sit inside /20 block 3 (10.x.48.0/20) that no private
  # subnet uses. Blocks 0-2 and 48-50 are what three AZs always had, so existing
  # VPCs keep their subnets; up to six AZs never overlap
  # (tests/subnets.tftest.hcl).
  private_subnets = length(var.private_subnets) > 0 ? var.private_subnets : [for i in range(local.az_count) : cidrsubnet(var.cidr, 4, i < 3 ? i : i + 1)]
  public_subnets  = length(var.public_subnets) > 0 ? var.public_subnets : [for i in range(local.az_count) : cidrsubnet(var.cidr, 8, 48 + i)]

  # Every subnet as [first address, last address] in integers, to check that none
  # overlap and all lie inside the VPC (also for subnets passed in).
  all_subnets = concat(local.private_subnets, local.public_subnets)
  subnet_ranges = [
    for c in local.all_subnets : [
      for a in [cidrhost(c, 0), cidrhost(c, -1)] :
      sum([for k, octet in split(".", a) : tonumber(octet) * pow(256, 3 - k)])
    ]
  ]
  vpc_range = [
    for a in [cidrhost(var.cidr, 0), cidrhost(var.cidr, -1)] :
    sum([for k, octet in split(".", a) : tonumber(octet) * pow(256, 3 - k)])
  ]
  overlapping_subnets = flatten([
    for i, a in local.subnet_ranges : [
      for j, b in local.subnet_ranges : "${local.all_subnets[i]} and ${local.all_subnets[j]}"
      if i < j && a[0] <= b[1] && b[0] <= a[1]
    ]
  ])
  subnets_outside_vpc = [
    for i, r in local.subnet_ranges : local.all_subnets[i]
    if r[0] < local.vpc_range[0] || r[1] > local.vpc_range[1]
  ]

  nat_count = var.enable_nat_gateway ? (var.single_nat_gateway ? 1 : local.az_count) : 0

  cluster_tags = var.cluster_name == null ? {} : {
    "kubernetes.io/cluster/${var.cluster_name}" = "shared"
  }
  private_discovery_tags = var.cluster_name == null ? {} : {
    "karpenter.sh/discovery" = var.cluster_name
  }
}

resource "aws_vpc" "this" {
  cidr_block           = var.cidr
  enable_dns_support   = true
  enable_dns_hostnames = var.enable_dns_hostnames

  tags = merge(var.tags, { Name = var.name })

  lifecycle {
    precondition {
      condition     = length(local.overlapping_subnets) == 0
      error_message = "Subnets overlap: ${join("; ", local.overlapping_subnets)}. Give every subnet its own range (or leave public_subnets/private_subnets empty for the computed layout)."
    }
    precondition {
      condition     = length(local.subnets_outside_vpc) == 0
      error_message = "Subnets outside the VPC ${var.cidr}: ${join(", ", local.subnets_outside_vpc)}."
    }
    precondition {
      condition     = length(local.private_subnets) == local.az_count && length(local.public_subnets) == local.az_count
      error_message = "public_subnets and private_subnets need one CIDR per AZ (${local.az_count})."
    }
  }
}

# Adopts the VPC's default security group and removes every rule from it, so
# nothing can accidentally use an allow-all group (CKV2_AWS_12).
resource "aws_default_security_group" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-default-deny" })
}

resource "aws_internet_gateway" "this" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_subnet" "public" {
  count = local.az_count

  vpc_id            = aws_vpc.this.id
  cidr_block        = local.public_subnets[count.index]
  availability_zone = var.azs[count.index]

  tags = merge(
    var.tags,
    local.cluster_tags,
    { Name = "${var.name}-public-${var.azs[count.index]}", "kubernetes.io/role/elb" = "1", Tier = "public" },
    var.public_subnet_tags,
  )
}

resource "aws_subnet" "private" {
  count = local.az_count

  vpc_id            = aws_vpc.this.id
  cidr_block        = local.private_subnets[count.index]
  availability_zone = var.azs[count.index]

  tags = merge(
    var.tags,
    local.cluster_tags,
    local.private_discovery_tags,
    { Name = "${var.name}-private-${var.azs[count.index]}", "kubernetes.io/role/internal-elb" = "1", Tier = "private" },
    var.private_subnet_tags,
  )
}

resource "aws_eip" "nat" {
  count = local.nat_count

  domain = "vpc"

  tags = merge(var.tags, { Name = "${var.name}-nat-${var.azs[count.index]}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_nat_gateway" "this" {
  count = local.nat_count

  allocation_id = aws_eip.nat[count.index].id
  subnet_id     = aws_subnet.public[count.index].id

  tags = merge(var.tags, { Name = "${var.name}-nat-${var.azs[count.index]}" })

  depends_on = [aws_internet_gateway.this]
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-public", Tier = "public" })
}

resource "aws_route" "public_internet" {
  route_table_id         = aws_route_table.public.id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.this.id
}

resource "aws_route_table_association" "public" {
  count = local.az_count

  subnet_id      = aws_subnet.public[count.index].id
  route_table_id = aws_route_table.public.id
}

# One private route table per AZ, so switching from a single NAT to one per AZ
# only changes routes, never subnet associations.
resource "aws_route_table" "private" {
  count = local.az_count

  vpc_id = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name}-private-${var.azs[count.index]}", Tier = "private" })
}

resource "aws_route" "private_nat" {
  count = local.nat_count > 0 ? local.az_count : 0

  route_table_id         = aws_route_table.private[count.index].id
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.this[var.single_nat_gateway ? 0 : count.index].id
}

resource "aws_route_table_association" "private" {
  count = local.az_count

  subnet_id      = aws_subnet.private[count.index].id
  route_table_id = aws_route_table.private[count.index].id
}

################################################################################
# S3 gateway endpoint
################################################################################

# Pods pull ECR image layers (stored in S3), artifacts and state from S3; without
# the endpoint that traffic leaves through the NAT gateway, which bills every GB.
# Gateway endpoints are free and only add a prefix-list route to the private
# route tables.
resource "aws_vpc_endpoint" "s3" {
  count = var.enable_s3_gateway_endpoint ? 1 : 0

  vpc_id            = aws_vpc.this.id
  service_name      = "com.amazonaws.${data.aws_region.current.id}.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = aws_route_table.private[*].id

  tags = merge(var.tags, { Name = "${var.name}-s3" })
}

################################################################################
# Flow logs
################################################################################

resource "aws_cloudwatch_log_group" "flow_log" {
  count = var.enable_flow_log ? 1 : 0

  #checkov:skip=CKV_AWS_338:Retention is a per-environment input (validated >= 30 days); prod sets 365, dev/stage keep less to limit cost.
  name              = "/aws/vpc-flow-log/${var.name}"
  retention_in_days = var.flow_log_cloudwatch_log_group_retention_in_days
  kms_key_id        = var.flow_log_cloudwatch_log_group_kms_key_id

  tags = var.tags
}

resource "aws_iam_role" "flow_log" {
  count = var.enable_flow_log ? 1 : 0

  name                 = "${var.name}-vpc-flow-log"
  permissions_boundary = var.permissions_boundary
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "VpcFlowLogs"
      Effect    = "Allow"
      Principal = { Service = "vpc-flow-logs.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${data.aws_partition.current.partition}:ec2:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}:vpc-flow-log/*" }
      }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "flow_log" {
  count = var.enable_flow_log ? 1 : 0

  name = "write-flow-log-group"
  role = aws_iam_role.flow_log[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "WriteFlowLogGroup"
      Effect = "Allow"
      Action = [
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogStreams",
      ]
      Resource = [
        aws_cloudwatch_log_group.flow_log[0].arn,
        "${aws_cloudwatch_log_group.flow_log[0].arn}:*",
      ]
    }]
  })
}

resource "aws_flow_log" "this" {
  count = var.enable_flow_log ? 1 : 0

  vpc_id                   = aws_vpc.this.id
  traffic_type             = var.flow_log_traffic_type
  log_destination_type     = "cloud-watch-logs"
  log_destination          = aws_cloudwatch_log_group.flow_log[0].arn
  iam_role_arn             = aws_iam_role.flow_log[0].arn
  max_aggregation_interval = var.flow_log_max_aggregation_interval

  tags = merge(var.tags, { Name = var.name })
}
