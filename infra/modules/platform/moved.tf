# The controller roles of Karpenter and the AWS Load Balancer Controller were
# resources of those modules before modules/pod-identity-role; these keep a live
# environment's roles, policies and associations (no destroy, no re-create).
moved {
  from = module.karpenter[0].aws_iam_role.controller
  to   = module.karpenter[0].module.controller_role.aws_iam_role.this
}
moved {
  from = module.karpenter[0].aws_iam_role_policy.controller
  to   = module.karpenter[0].module.controller_role.aws_iam_role_policy.this
}
moved {
  from = module.karpenter[0].aws_eks_pod_identity_association.controller
  to   = module.karpenter[0].module.controller_role.aws_eks_pod_identity_association.this
}
moved {
  from = module.lb_controller[0].aws_iam_role.controller
  to   = module.lb_controller[0].module.controller_role.aws_iam_role.this
}
moved {
  from = module.lb_controller[0].aws_iam_role_policy.controller
  to   = module.lb_controller[0].module.controller_role.aws_iam_role_policy.this
}
moved {
  from = module.lb_controller[0].aws_eks_pod_identity_association.controller
  to   = module.lb_controller[0].module.controller_role.aws_eks_pod_identity_association.this
}
