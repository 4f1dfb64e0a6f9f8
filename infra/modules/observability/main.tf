data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition

  # One rule groups namespace per file in rules/ (file name without .yaml), so a
  # broken group only fails its own namespace and each file is checked on its own
  # (scripts/check-prometheus-rules, tests/rules.tftest.hcl).
  rule_files = { for f in fileset("${path.module}/rules", "*.yaml") : trimsuffix(f, ".yaml") => file("${path.module}/rules/${f}") }

  scrape_configuration = templatefile("${path.module}/scrape-configuration.yaml.tftpl", {
    scrape_interval = var.scrape_interval
    cluster_name    = var.cluster_name
  })

  # Community add-ons the rules and the scrape configuration read. Installed by
  # the eks module (its addons map: version resolution, node-group ordering,
  # enable_eks_addons), see the outputs.
  eks_addons = {
    kube-state-metrics       = {}
    prometheus-node-exporter = {}
  }
}

################################################################################
# AMP workspace
################################################################################

# /aws/vendedlogs/ is the prefix AWS recommends for vended logs: their delivery
# policy then covers every such group without growing the account's log resource
# policy per group.
resource "aws_cloudwatch_log_group" "amp" {
  #checkov:skip=CKV_AWS_338:Retention is a per-environment input (validated >= 30 days); prod sets 365, dev/stage keep less to limit cost.
  name              = "/aws/vendedlogs/prometheus/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

resource "aws_prometheus_workspace" "this" {
  alias       = var.name
  kms_key_arn = var.kms_key_arn

  logging_configuration {
    log_group_arn = "${aws_cloudwatch_log_group.amp.arn}:*"
  }

  # A managed scraper tags its destination workspace with AMPAgentlessScraper;
  # declaring the tag keeps Terraform from removing it on every apply
  # (aws_prometheus_scraper documentation).
  tags = merge(var.tags, var.enable_scraper ? { AMPAgentlessScraper = "" } : {})
}

resource "aws_prometheus_rule_group_namespace" "this" {
  for_each = local.rule_files

  name         = each.key
  workspace_id = aws_prometheus_workspace.this.id
  data         = each.value

  tags = var.tags
}

################################################################################
# Managed collector (scraper) in the private subnets
################################################################################

resource "aws_security_group" "scraper" {
  count = var.enable_scraper ? 1 : 0

  #checkov:skip=CKV2_AWS_5:Attached to the AMP scraper (aws_prometheus_scraper.source.eks.security_group_ids), which checkov does not know as an attachment.
  name        = "${var.name}-amp-scraper"
  description = "AMP managed collector of ${var.cluster_name}: reaches the cluster security group on the scrape ports only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-amp-scraper" })
}

resource "aws_vpc_security_group_egress_rule" "scraper_to_cluster" {
  for_each = var.enable_scraper ? toset([for p in var.scrape_ports : tostring(p)]) : toset([])

  security_group_id            = aws_security_group.scraper[0].id
  description                  = "Scrape the cluster (API server, nodes, pods) on TCP ${each.value}"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.value)
  to_port                      = tonumber(each.value)
  referenced_security_group_id = var.cluster_security_group_id

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "cluster_from_scraper" {
  for_each = var.enable_scraper ? toset([for p in var.scrape_ports : tostring(p)]) : toset([])

  security_group_id            = var.cluster_security_group_id
  description                  = "AMP managed collector ${var.name} scrapes TCP ${each.value}"
  ip_protocol                  = "tcp"
  from_port                    = tonumber(each.value)
  to_port                      = tonumber(each.value)
  referenced_security_group_id = aws_security_group.scraper[0].id

  tags = var.tags
}

resource "aws_prometheus_scraper" "this" {
  count = var.enable_scraper ? 1 : 0

  alias                = var.name
  scrape_configuration = local.scrape_configuration

  source {
    eks {
      cluster_arn        = var.cluster_arn
      subnet_ids         = var.subnet_ids
      security_group_ids = [aws_security_group.scraper[0].id]
    }
  }

  destination {
    amp {
      workspace_arn = aws_prometheus_workspace.this.arn
    }
  }

  tags = var.tags
}

# The scraper authenticates to Kubernetes with its service-linked role. EKS
# access entries take the role's ARN without its path
# (role/aws-service-role/scraper.aps.amazonaws.com/X -> role/X), and the user name
# is the one the collector's ClusterRoleBinding names.
resource "aws_eks_access_entry" "scraper" {
  count = var.enable_scraper && var.enable_access_entries ? 1 : 0

  cluster_name  = var.cluster_name
  principal_arn = replace(aws_prometheus_scraper.this[0].role_arn, "/:role\\/.*\\//", ":role/")
  type          = "STANDARD"
  user_name     = "aps-collector-user"

  tags = var.tags
}
