# Sandbox overrides for infra/environments/* against a local moto server
# (used by scripts/infra-test and the tfpromote sandbox; never by real CI).
# Loaded on top of each environment's terraform.tfvars with -var-file.

# moto's fixed account ID.
account_id = "123456789012"

# moto serves S3 on http://127.0.0.1:<port>, which has no virtual-hosted buckets.
s3_use_path_style = true

# moto 5.2.5 does not implement these EKS APIs (CreateAddon/DescribeAddon,
# CreateAccessEntry/AssociateAccessPolicy). They stay on in the real
# environments; `terraform plan` runs with them on before apply.
enable_eks_addons     = false
enable_access_entries = false

# moto 5.2.5 lacks CreatePodIdentityAssociation (the Karpenter and Load Balancer
# Controller roles are still created), and its DescribeCluster returns no
# clusterSecurityGroupId, so there is no security group to tag for Karpenter.
enable_pod_identity_associations   = false
enable_cluster_security_group_tags = false

# moto has no DescribeAddonVersions either, so the all-features plan (scripts/infra-test)
# cannot resolve add-on versions at plan time as real AWS does; it plans with these pins.
# Illustrative values for moto only: real environments resolve the newest version.
eks_addon_versions = {
  vpc-cni                = "v1.20.4-eksbuild.1"
  kube-proxy             = "v1.35.0-eksbuild.1"
  eks-pod-identity-agent = "v1.3.9-eksbuild.3"
  coredns                = "v1.12.4-eksbuild.1"
  metrics-server         = "v0.8.0-eksbuild.2"
  # Community add-ons of the observability module.
  kube-state-metrics       = "v2.14.0-eksbuild.1"
  prometheus-node-exporter = "v1.9.1-eksbuild.2"
  # The Mountpoint for Amazon S3 CSI driver (dataset and model access).
  aws-mountpoint-s3-csi-driver = "v2.2.0-eksbuild.1"
}

# Observability and cost: what moto 5.2.5 lacks. The AMP workspace, its rule groups
# namespaces and log group, and the S3 gateway endpoint stay on (moto has them).
enable_amp_scraper            = false # no CreateScraper/DescribeScraper (AMP managed collector)
enable_budget                 = false # Budgets without DescribeSubscribersForNotification: the provider's read retries forever
enable_cost_anomaly_detection = false # no Cost Explorer CreateAnomalyMonitor/CreateAnomalySubscription
manage_cost_allocation_tags   = false # no Cost Explorer UpdateCostAllocationTagsStatus/ListCostAllocationTags (prod sets it)

# moto 5.2.5 gives every EKS cluster the same OIDC issuer URL (one random ID per server
# process), so the second environment's IRSA provider would fail with EntityAlreadyExists
# when all three environments live in one moto, as in the sandbox.
enable_irsa = false


# moto delivers S3 server access logs, so the access-log buckets are never empty
# at destroy time. Real stage/prod keep force_destroy = false on purpose (a
# destroy must not silently delete logs or artifacts); the sandbox is throwaway.
force_destroy = true
