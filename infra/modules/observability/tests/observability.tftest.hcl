# The observability module offline (mocked aws provider, schema from the local
# mirror): the rule files are Prometheus rule files with the platform's alerts,
# one namespace each; the scraper, its security group and access entry exist only
# when switched on, and the access entry names the scraper's role without its
# path; Grafana is off by default and, when on, queries through a bounded role.
# Run by scripts/infra-test.

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
  mock_resource "aws_prometheus_workspace" {
    defaults = { arn = "arn:aws:aps:us-east-1:123456789012:workspace/ws-00000000-0000-0000-0000-000000000000" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/prometheus/mlops-test" }
  }
  mock_resource "aws_prometheus_scraper" {
    defaults = { role_arn = "arn:aws:iam::123456789012:role/aws-service-role/scraper.aps.amazonaws.com/AWSServiceRoleForAmazonPrometheusScraper_0123456789abcde" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mlops-test-grafana" }
  }
}

variables {
  name                      = "mlops-test"
  cluster_name              = "mlops-test-cluster"
  cluster_arn               = "arn:aws:eks:us-east-1:123456789012:cluster/mlops-test-cluster"
  cluster_security_group_id = "sg-0123456789abcdef0"
  vpc_id                    = "vpc-0123456789abcdef0"
  subnet_ids                = ["subnet-0000000000000000a", "subnet-0000000000000000b", "subnet-0000000000000000c"]
  kms_key_arn               = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  permissions_boundary      = "arn:aws:iam::123456789012:policy/mlops-boundary-test"
  log_retention_days        = 90
}

# Every file in rules/ is a Prometheus rule file: groups with a name and rules,
# each rule exactly one of record/alert with an expr; alerts carry a severity.
# (scripts/check-prometheus-rules also parses every expr with a PromQL parser.)
run "rule_files_have_the_prometheus_structure" {
  command = plan

  assert {
    condition = alltrue(flatten([
      for f, body in local.rule_files : [
        for g in yamldecode(body).groups : [
          can(g.name) && length(g.rules) > 0 && alltrue([
            for r in g.rules :
            can(r.expr) && (can(r.record) != can(r.alert)) && (!can(r.alert) || contains(["warning", "critical"], try(r.labels.severity, "")))
          ])
        ]
      ]
    ]))
    error_message = "A rule file in rules/ is not a Prometheus rule file (groups[].name, groups[].rules[] with record or alert, expr, and a severity on alerts)."
  }

  assert {
    condition     = length(local.rule_files) == 4 && length(aws_prometheus_rule_group_namespace.this) == 4
    error_message = "Expected one rule groups namespace per rules/*.yaml file (4), got ${length(aws_prometheus_rule_group_namespace.this)}."
  }

  # The platform's alerts: node pressure, pod restarts, HPA at max,
  # API server errors, GPU health (XID errors, memory) and waste (idle allocated GPUs).
  assert {
    condition = length(setsubtract(
      ["NodeMemoryPressure", "NodeDiskPressure", "NodePIDPressure", "PodRestartingOften", "HpaAtMaxReplicas", "ApiServerErrorRatioHigh", "GpuXidErrors", "GpuMemoryNearlyFull", "GpuAllocatedButIdle"],
      flatten([for body in values(local.rule_files) : [for g in yamldecode(body).groups : [for r in g.rules : try(r.alert, "")]]]),
    )) == 0
    error_message = "An alert the platform needs is missing from rules/."
  }

  assert {
    condition     = aws_prometheus_workspace.this.kms_key_arn == var.kms_key_arn && aws_cloudwatch_log_group.amp.kms_key_id == var.kms_key_arn
    error_message = "The workspace and its log group must be encrypted with the environment key."
  }
}

run "scraper_in_the_private_subnets_with_its_access_entry" {
  command = apply

  assert {
    condition     = length(aws_prometheus_scraper.this) == 1 && toset(one(one(aws_prometheus_scraper.this[0].source).eks).subnet_ids) == toset(var.subnet_ids)
    error_message = "The scraper must run in the given private subnets."
  }

  assert {
    condition     = one(one(aws_prometheus_scraper.this[0].source).eks).security_group_ids == toset([aws_security_group.scraper[0].id])
    error_message = "The scraper must use its own security group."
  }

  assert {
    condition     = toset(keys(aws_vpc_security_group_ingress_rule.cluster_from_scraper)) == toset(["443", "8080", "9100", "9400"]) && alltrue([for r in values(aws_vpc_security_group_ingress_rule.cluster_from_scraper) : r.security_group_id == var.cluster_security_group_id && r.from_port == r.to_port])
    error_message = "The cluster security group must admit the scraper on exactly the scrape ports."
  }

  assert {
    condition     = aws_eks_access_entry.scraper[0].principal_arn == "arn:aws:iam::123456789012:role/AWSServiceRoleForAmazonPrometheusScraper_0123456789abcde" && aws_eks_access_entry.scraper[0].user_name == "aps-collector-user"
    error_message = "The access entry must name the scraper role without its path, as user aps-collector-user; got ${aws_eks_access_entry.scraper[0].principal_arn}."
  }

  assert {
    condition = (
      yamldecode(local.scrape_configuration).global.scrape_interval == "30s" &&
      toset([for j in yamldecode(local.scrape_configuration).scrape_configs : j.job_name]) == toset(["kubernetes-apiservers", "kube-state-metrics", "node-exporter", "dcgm-exporter", "cadvisor", "annotated-pods"])
    )
    error_message = "The scrape configuration must be YAML with the API server, kube-state-metrics, node-exporter, DCGM exporter, cAdvisor and annotated-pod jobs."
  }

  assert {
    condition     = contains(keys(aws_prometheus_workspace.this.tags), "AMPAgentlessScraper")
    error_message = "The workspace must declare the AMPAgentlessScraper tag the scraper adds, or every apply removes it."
  }

  assert {
    condition     = toset(keys(output.eks_addons)) == toset(["kube-state-metrics", "prometheus-node-exporter"])
    error_message = "The module must ask for the kube-state-metrics and prometheus-node-exporter add-ons."
  }

  assert {
    condition     = length(aws_grafana_workspace.this) == 0 && length(aws_iam_role.grafana) == 0
    error_message = "Grafana must be off by default (it needs IAM Identity Center)."
  }
}

# moto has no CreateScraper: everything it needs goes with the switch.
run "scraper_off" {
  command = plan
  variables {
    enable_scraper = false
  }
  assert {
    condition     = length(aws_prometheus_scraper.this) == 0 && length(aws_security_group.scraper) == 0 && length(aws_vpc_security_group_ingress_rule.cluster_from_scraper) == 0 && length(aws_eks_access_entry.scraper) == 0
    error_message = "enable_scraper = false must drop the scraper, its security group, rules and access entry."
  }
  assert {
    condition     = !contains(keys(aws_prometheus_workspace.this.tags), "AMPAgentlessScraper") && length(aws_prometheus_rule_group_namespace.this) == 4
    error_message = "Without a scraper the workspace keeps its rules and drops the scraper tag."
  }
}

run "access_entries_off" {
  command = plan
  variables {
    enable_access_entries = false
  }
  assert {
    condition     = length(aws_prometheus_scraper.this) == 1 && length(aws_eks_access_entry.scraper) == 0
    error_message = "enable_access_entries = false must drop only the access entry."
  }
}

run "grafana_on" {
  command = apply
  variables {
    enable_grafana = true
  }
  assert {
    condition     = aws_grafana_workspace.this[0].data_sources == tolist(["PROMETHEUS"]) && aws_grafana_workspace.this[0].permission_type == "CUSTOMER_MANAGED" && aws_grafana_workspace.this[0].authentication_providers == tolist(["AWS_SSO"])
    error_message = "Grafana must use the PROMETHEUS data source with a customer-managed role and IAM Identity Center."
  }
  assert {
    condition     = aws_iam_role.grafana[0].name == "mlops-test-grafana" && aws_iam_role.grafana[0].permissions_boundary == var.permissions_boundary
    error_message = "The Grafana role must be named <name>-grafana and carry the permissions boundary."
  }
  assert {
    condition     = strcontains(aws_iam_role_policy.grafana_amp[0].policy, aws_prometheus_workspace.this.arn) && !strcontains(aws_iam_role_policy.grafana_amp[0].policy, "aps:*")
    error_message = "The Grafana role may query this environment's workspace only."
  }
}

run "one_subnet_is_refused" {
  command = plan
  variables {
    subnet_ids = ["subnet-0000000000000000a"]
  }
  expect_failures = [var.subnet_ids]
}

run "bad_scrape_interval_is_refused" {
  command = plan
  variables {
    scrape_interval = "30"
  }
  expect_failures = [var.scrape_interval]
}

# The scraper needs the cluster security group; without the scraper (the sandbox,
# whose EKS reports none) an empty one is accepted.
run "bad_cluster_security_group_is_refused_with_the_scraper" {
  command = plan
  variables {
    cluster_security_group_id = ""
  }
  expect_failures = [var.cluster_security_group_id]
}

run "no_cluster_security_group_without_the_scraper" {
  command = plan
  variables {
    cluster_security_group_id = ""
    enable_scraper            = false
  }
  assert {
    condition     = length(aws_prometheus_scraper.this) == 0 && length(aws_prometheus_rule_group_namespace.this) == 4
    error_message = "Without the scraper the module must plan with an empty cluster security group."
  }
}
