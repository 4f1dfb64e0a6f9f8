# Before the composition (infra/modules/platform) each environment root declared these
# itself. The moves let an existing environment's state follow the code: the next plan
# shows them as moved, not as destroyed and created again.
moved {
  from = aws_kms_key.this
  to   = module.platform.aws_kms_key.this
}

moved {
  from = aws_kms_alias.this
  to   = module.platform.aws_kms_alias.this
}

moved {
  from = module.vpc
  to   = module.platform.module.vpc
}

moved {
  from = module.eks
  to   = module.platform.module.eks
}

moved {
  from = module.ecr
  to   = module.platform.module.ecr
}

moved {
  from = module.artifacts
  to   = module.platform.module.artifacts
}
