#!/usr/bin/env bash
# Decides which Terraform the action installs, from one place in the caller's repository, so
# no workflow, script or action file repeats a version number:
#   1. the input terraform-version (one exact version, such as 1.2.3), when the caller gives one;
#   2. else a `.terraform-version` file (tfenv's convention: one exact version on its first
#      line) in the working directory or the nearest directory above it, up to the workspace;
#   3. else the roots' own pin: every `required_version = "X.Y.Z"` (or "= X.Y.Z") in the
#      .tf files under the working directory, which must all agree.
# A range such as ">= 1.11" names no version to install, so it does not count; then the step
# fails and says to add a `.terraform-version` file.
#
# Inputs come only from the environment (action.yml's `env:`): INPUT_INSTALL_TERRAFORM
# ("true" or "false"), INPUT_TERRAFORM_VERSION, INPUT_WORKING_DIRECTORY. Writes the step
# output `version` (empty when installing is off: the setup step is then skipped) and `from`
# (where the version came from).
set -euo pipefail

fail() {
  printf '::error title=tfpromote terraform version::%s\n' "$*" >&2
  exit 2
}
note() { printf 'tfpromote terraform version: %s\n' "$*" >&2; }

: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: run this inside GitHub Actions}"

case "${INPUT_INSTALL_TERRAFORM:-true}" in
  true) ;;
  false)
    note "not installing Terraform (input install-terraform: false); the one on PATH is used"
    exit 0
    ;;
  *) fail "input install-terraform: \"${INPUT_INSTALL_TERRAFORM}\" is not true or false" ;;
esac

workdir=${INPUT_WORKING_DIRECTORY:-.}
[ -d "$workdir" ] || fail "input working-directory: \"$workdir\" is not a directory"
workdir=$(cd -- "$workdir" && pwd)
top=$(cd -- "${GITHUB_WORKSPACE:-$workdir}" && pwd)

exact='^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$'
version=""
from=""
if [ -n "${INPUT_TERRAFORM_VERSION:-}" ]; then
  version=$INPUT_TERRAFORM_VERSION
  from="input terraform-version"
else
  dir=$workdir
  while :; do
    if [ -f "$dir/.terraform-version" ]; then
      version=$(head -n 1 -- "$dir/.terraform-version" | tr -d '[:space:]')
      from="$dir/.terraform-version"
      break
    fi
    if [ "$dir" = "$top" ] || [ "$dir" = / ]; then break; fi
    dir=$(dirname -- "$dir")
  done
  if [ -z "$from" ]; then
    # The roots' exact pins; .terraform/ holds downloaded modules, not the caller's code.
    pins=$(find "$workdir" -name .terraform -prune -o -name '*.tf' -type f -print0 |
      xargs -0 -r sed -n -E 's/^[[:space:]]*required_version[[:space:]]*=[[:space:]]*"=?[[:space:]]*([0-9]+\.[0-9]+\.[0-9]+)"[[:space:]]*$/\1/p' |
      sort -u)
    count=$(printf '%s' "$pins" | grep -c . || true)
    if [ "$count" -gt 1 ]; then
      fail "the roots pin different Terraform versions in required_version ($(printf '%s' "$pins" | tr '\n' ' ')): pin one version everywhere, or add a .terraform-version file"
    fi
    if [ "$count" -eq 1 ]; then
      version=$pins
      from="required_version in the .tf files under $workdir"
    fi
  fi
fi

if [ -z "$version" ]; then
  fail "no Terraform version to install: add a .terraform-version file (one exact version, such as 1.2.3) next to tfpromote.yaml, pin required_version to one exact version, or set the input terraform-version"
fi
if ! [[ $version =~ $exact ]]; then
  fail "$from: \"$version\" is not one exact Terraform version (such as 1.2.3)"
fi
note "Terraform $version (from $from)"
{
  echo "version=$version"
  echo "from=$from"
} >>"$GITHUB_OUTPUT"
