################################################################################
# Amazon Managed Grafana (optional; needs IAM Identity Center or SAML)
################################################################################

# Customer-managed role: with SERVICE_MANAGED permissions Grafana would create
# its own IAM role, which the environment's apply role may not (names outside
# <name>-*, no permissions boundary).
resource "aws_iam_role" "grafana" {
  count = var.enable_grafana ? 1 : 0

  name                 = "${var.name}-grafana"
  permissions_boundary = var.permissions_boundary
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "ManagedGrafana"
      Effect    = "Allow"
      Principal = { Service = "grafana.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:grafana:${data.aws_region.current.id}:${data.aws_caller_identity.current.account_id}:/workspaces/*" }
      }
    }]
  })

  tags = var.tags
}

# Query this environment's AMP workspace only (what the PROMETHEUS data source needs).
resource "aws_iam_role_policy" "grafana_amp" {
  count = var.enable_grafana ? 1 : 0

  name = "query-amp-workspace"
  role = aws_iam_role.grafana[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ListWorkspaces"
        Effect   = "Allow"
        Action   = ["aps:ListWorkspaces"]
        Resource = "*"
      },
      {
        Sid    = "QueryEnvironmentWorkspace"
        Effect = "Allow"
        Action = [
          "aps:DescribeWorkspace",
          "aps:QueryMetrics",
          "aps:GetLabels",
          "aps:GetSeries",
          "aps:GetMetricMetadata",
          "aps:ListRules",
          "aps:ListAlerts",
        ]
        Resource = aws_prometheus_workspace.this.arn
      },
    ]
  })
}

resource "aws_grafana_workspace" "this" {
  count = var.enable_grafana ? 1 : 0

  name                     = var.name
  description              = "Dashboards of ${var.cluster_name} (AMP workspace ${var.name})"
  account_access_type      = "CURRENT_ACCOUNT"
  authentication_providers = var.grafana_authentication_providers
  permission_type          = "CUSTOMER_MANAGED"
  role_arn                 = aws_iam_role.grafana[0].arn
  data_sources             = ["PROMETHEUS"]
  grafana_version          = var.grafana_version

  tags = var.tags
}
