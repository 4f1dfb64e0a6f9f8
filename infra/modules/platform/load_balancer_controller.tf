################################################################################
# AWS Load Balancer Controller, AWS side
################################################################################

# ALBs for Ingresses and NLBs for Services of type LoadBalancer; the Helm values
# are under platform/. Subnets already carry kubernetes.io/role/elb (public) and
# kubernetes.io/role/internal-elb (private) from module.vpc.
module "lb_controller" {
  source = "../lb-controller"
  count  = var.enable_load_balancer_controller ? 1 : 0

  name         = local.name
  cluster_name = module.eks.cluster_name

  permissions_boundary = local.permissions_boundary

  create_pod_identity_association = var.enable_pod_identity_associations

  acm_domain_name               = var.acm_domain_name
  acm_subject_alternative_names = var.acm_subject_alternative_names
}
