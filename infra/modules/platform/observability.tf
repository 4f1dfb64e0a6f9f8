################################################################################
# Observability: AMP workspace, rules, managed scraper, optional Grafana
################################################################################

module "observability" {
  source = "../observability"

  name                      = local.name
  cluster_name              = module.eks.cluster_name
  cluster_arn               = module.eks.cluster_arn
  cluster_security_group_id = module.eks.cluster_security_group_id
  vpc_id                    = module.vpc.vpc_id
  subnet_ids                = module.vpc.private_subnets
  kms_key_arn               = aws_kms_key.this.arn
  log_retention_days        = var.log_retention_days
  scrape_interval           = var.amp_scrape_interval

  enable_scraper        = var.enable_amp_scraper
  enable_access_entries = var.enable_access_entries

  enable_grafana                   = var.enable_grafana
  grafana_authentication_providers = var.grafana_authentication_providers

  permissions_boundary = local.permissions_boundary
}
