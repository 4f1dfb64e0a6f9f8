output "roles" {
  description = "Per workload (training, serving): role ARN and name, and the namespace/service account its Pod Identity association binds (platform/ manifests use these names)."
  value = {
    for k, w in local.workloads : k => {
      role_arn        = module.role[k].role_arn
      role_name       = module.role[k].role_name
      namespace       = w.binding.namespace
      service_account = w.binding.service_account
      association     = module.role[k].association
    }
  }
}

output "policies" {
  description = "The roles' inline policies (JSON), per workload."
  value       = { for k in keys(local.workloads) : k => module.role[k].policy }
}

output "prefixes" {
  description = "Key prefixes of the bucket: datasets (training reads) and models (training writes, serving reads)."
  value       = { datasets = var.dataset_prefix, models = var.model_prefix }
}

output "eks_addons" {
  description = "The EKS add-on this module needs, for the eks module's add-on map: the Mountpoint for Amazon S3 CSI driver (v2: pod-level credentials through EKS Pod Identity, so the driver itself needs no S3 role)."
  value = {
    aws-mountpoint-s3-csi-driver = {}
  }
}
