################################################################################
# Dataset and model access: Mountpoint for Amazon S3, per-workload Pod Identity roles
################################################################################

# Training reads datasets/ and writes models/ of this environment's artifact bucket,
# serving reads models/ only; pods mount the prefixes with the Mountpoint CSI driver
# (add-on below, through the eks module's add-on map) using their own role. The
# in-cluster side (PersistentVolumes, the training Job, model-serving's volume) is under
# platform/ and uses the names in the ml_access output.
module "ml_access" {
  source = "../ml-access"
  count  = var.enable_ml_access ? 1 : 0

  name         = local.name
  cluster_name = module.eks.cluster_name
  bucket_arn   = module.artifacts.s3_bucket_arn
  kms_key_arn  = aws_kms_key.this.arn

  permissions_boundary             = local.permissions_boundary
  create_pod_identity_associations = var.enable_pod_identity_associations
}

locals {
  # Written here, not read from module.ml_access, so the eks module's add-on map does not
  # wait on the roles (which need the cluster's name).
  ml_access_addons = var.enable_ml_access ? { aws-mountpoint-s3-csi-driver = {} } : {}
}
