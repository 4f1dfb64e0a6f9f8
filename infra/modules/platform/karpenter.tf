################################################################################
# Karpenter, AWS side
################################################################################

# Node autoscaling for workloads; the managed node group (main.tf) stays for the
# system pods, Karpenter itself included. The in-cluster side (Helm chart,
# NodePool, EC2NodeClass) is under platform/ and uses the outputs below; which
# capacity types its NodePool may launch is karpenter_capacity_types.
module "karpenter" {
  source = "../karpenter"
  count  = var.enable_karpenter ? 1 : 0

  name         = local.name
  cluster_name = module.eks.cluster_name

  permissions_boundary = local.permissions_boundary

  create_pod_identity_association = var.enable_pod_identity_associations
  create_access_entry             = var.enable_access_entries

  # The private subnets carry karpenter.sh/discovery through module.vpc's
  # cluster_name; the nodes' security group is EKS-created, so it is tagged here.
  tag_node_security_group = var.enable_cluster_security_group_tags
  node_security_group_id  = var.enable_cluster_security_group_tags ? module.eks.cluster_security_group_id : null
}
