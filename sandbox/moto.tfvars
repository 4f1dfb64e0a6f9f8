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

# moto 5.2.5 gives every EKS cluster the same OIDC issuer URL (one random ID per server
# process), so the second environment's IRSA provider would fail with EntityAlreadyExists
# when all three environments live in one moto, as in the sandbox.
enable_irsa = false


# moto delivers S3 server access logs, so the access-log buckets are never empty
# at destroy time. Real stage/prod keep force_destroy = false on purpose (a
# destroy must not silently delete logs or artifacts); the sandbox is throwaway.
force_destroy = true
