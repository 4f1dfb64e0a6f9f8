#!/usr/bin/env bash
# Decides what the action's `actions/cache` step keeps between workflow runs: the Terraform
# provider plugin cache tfpromote fills (one init at a time, under its init lock), keyed by
# the runner's OS and architecture and the SHA-256 of the committed provider lock files
# (`.terraform.lock.hcl`) under the working directory. A warm run with unchanged lock files
# restores every provider and downloads nothing; a changed lock file starts a fresh entry
# (no restore-keys: an old entry would carry stale 700 MB providers into every new one).
#
# Inputs come only from the environment (action.yml's `env:`): INPUT_PLUGIN_CACHE ("true"
# or "false"), INPUT_WORKING_DIRECTORY. Runner variables: GITHUB_OUTPUT, RUNNER_OS,
# RUNNER_ARCH, RUNNER_TOOL_CACHE, RUNNER_TEMP; TF_PLUGIN_CACHE_DIR when the caller set one.
# Writes the step outputs `dir` and `key`; both stay empty (the cache step is skipped) when
# caching is off or no lock file is committed under the working directory.
set -euo pipefail

fail() {
  printf '::error title=tfpromote plugin cache::%s\n' "$*" >&2
  exit 2
}
note() { printf 'tfpromote plugin cache: %s\n' "$*" >&2; }

: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: run this inside GitHub Actions}"

case "${INPUT_PLUGIN_CACHE:-true}" in
  true) ;;
  false)
    note "off (input plugin-cache: false)"
    exit 0
    ;;
  *) fail "input plugin-cache: \"${INPUT_PLUGIN_CACHE}\" is not true or false" ;;
esac

workdir=${INPUT_WORKING_DIRECTORY:-.}
[ -d "$workdir" ] || fail "input working-directory: \"$workdir\" is not a directory"

# The same directory tfpromote picks when neither the config nor a CLI config file names
# one: TF_PLUGIN_CACHE_DIR if the job set it, else tfpromote's own under the tool cache.
# run.sh hands this directory to the binary, so what is cached is what it fills.
dir=${TF_PLUGIN_CACHE_DIR:-${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/tool-cache}/tfpromote/plugin-cache}

# Every committed lock file, in a stable order, hashed with its path: a changed provider
# version or a moved environment gives a new key. Without lock files there is nothing to
# keep: Terraform (since 1.4) uses a cached provider only when the lock file already holds
# its checksum, and downloads it otherwise. `.terraform/` holds init's copies and is skipped.
locks=()
while IFS= read -r -d '' lock; do locks+=("$lock"); done < <(
  find "$workdir" -name .terraform -prune -o -name .git -prune -o \
    -type f -name .terraform.lock.hcl -print0 | LC_ALL=C sort -z
)
if [ "${#locks[@]}" -eq 0 ]; then
  note "no .terraform.lock.hcl under \"$workdir\", so nothing is cached between runs: Terraform uses a cached provider only when the lock file holds its checksum. Commit lock files made with \`terraform providers lock -platform=linux_amd64 -platform=linux_arm64 -platform=darwin_amd64 -platform=darwin_arm64\` to enable it."
  exit 0
fi
# sha256sum on Linux, shasum on macOS (no coreutils there); both print "<hex>  -".
sha256() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum
  else
    shasum -a 256
  fi
}
digest=$(
  for lock in "${locks[@]}"; do
    printf '%s\n' "${lock#"$workdir"/}"
    sha256 <"$lock"
  done | sha256
)
digest=${digest%% *}

case "$dir" in
  *$'\n'* | *$'\r'*) fail "TF_PLUGIN_CACHE_DIR contains a line break: set it to a plain directory path" ;;
esac
mkdir -p -- "$dir" || fail "cannot create the plugin cache directory \"$dir\""
key="tfpromote-plugins-${RUNNER_OS:-unknown}-${RUNNER_ARCH:-unknown}-$digest"
note "keyed by ${#locks[@]} lock file(s); cache key $key; directory $dir"
{
  printf 'dir=%s\n' "$dir"
  printf 'key=%s\n' "$key"
} >>"$GITHUB_OUTPUT"
