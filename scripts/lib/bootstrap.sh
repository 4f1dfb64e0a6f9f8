# shellcheck shell=bash
# Applies infra/bootstrap (state bucket, OIDC provider, plan and apply roles) into a running
# moto with local state, as on first real use, then lifts the state bucket's TLS-only policy
# in moto only (moto ignores the condition and so denies everything; see
# sandbox/moto-unblock-state.py). Shared by scripts/sandbox and scripts/bench-plan.
# Usage: source scripts/lib/moto.sh scripts/lib/bootstrap.sh; moto_start WORK;
#        bootstrap_state ROOT WORK LOG   (copies ROOT/infra to WORK/infra; log to LOG)

bootstrap_state() {
  local root=$1 work=$2 log=$3
  cp -r "$root/infra" "$work/infra"
  cat >"$work/infra/bootstrap/backend_override.tf" <<TF
terraform {
  backend "local" {
    path = "$work/bootstrap.tfstate"
  }
}
TF
  {
    terraform -chdir="$work/infra/bootstrap" init -input=false -no-color &&
      terraform -chdir="$work/infra/bootstrap" apply -input=false -no-color -auto-approve \
        -var-file="$root/sandbox/bootstrap-moto.tfvars"
  } >"$log" 2>&1 || {
    tail -n 40 "$log" >&2
    return 1
  }
  "$MOTO_PYTHON" "$root/sandbox/moto-unblock-state.py" \
    "$(terraform -chdir="$work/infra/bootstrap" output -raw state_bucket_name)"
}
