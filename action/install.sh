#!/usr/bin/env bash
# Installs tfpromote for this runner: the prebuilt release asset whose SHA-256 is committed
# next to action.yml (checked before anything is unpacked), cached under $RUNNER_TOOL_CACHE,
# or a cargo build of this action's own source when asked or when no asset exists.
#
# Inputs come only from the environment (action.yml's `env:`), never from `${{ }}` in a
# script: INPUT_VERSION, INPUT_BUILD_FROM_SOURCE, INPUT_BINARY and INPUT_BINARY_SHA256 (a
# binary an earlier job of the run installed), INPUT_GITHUB_TOKEN (downloads: a private or
# internal repository's release assets are 404 without a token). Runner variables:
# GITHUB_ACTION_PATH, GITHUB_OUTPUT, GITHUB_PATH, GITHUB_SERVER_URL, GITHUB_API_URL,
# RUNNER_OS, RUNNER_ARCH, RUNNER_TOOL_CACHE, RUNNER_TEMP. Writes the step output `path`
# (the binary) and adds its directory to PATH.
set -euo pipefail

fail() {
  printf '::error title=tfpromote install::%s\n' "$*" >&2
  exit 1
}
note() { printf 'tfpromote install: %s\n' "$*" >&2; }

action_path=${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set: run this through action.yml}
: "${GITHUB_OUTPUT:?GITHUB_OUTPUT is not set: run this inside GitHub Actions}"
tool_cache=${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-${TMPDIR:-/tmp}}/tool-cache}
temp_root=${RUNNER_TEMP:-${TMPDIR:-/tmp}}

# --- the committed release: version and repository -------------------------------------
release_file="$action_path/RELEASE"
sums_file="$action_path/SHA256SUMS"
[ -f "$release_file" ] || fail "$release_file is missing: the action's checkout is incomplete"
[ -f "$sums_file" ] || fail "$sums_file is missing: the action's checkout is incomplete"
committed_version=""
repository=""
while IFS= read -r line || [ -n "$line" ]; do
  case "$line" in
    version=*) committed_version=${line#version=} ;;
    repository=*) repository=${line#repository=} ;;
  esac
done <"$release_file"

version=${INPUT_VERSION:-$committed_version}
# The version ends up in a URL and a directory name: accept only a release tag's shape.
if ! [[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]]; then
  fail "input version: \"$version\" is not a release tag like v1.2.3; leave it empty to use the release committed in $release_file"
fi
if ! [[ "$repository" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]]; then
  fail "$release_file: repository \"$repository\" is not OWNER/REPO"
fi

# --- the target triple of this runner -----------------------------------------------------
target=""
case "${RUNNER_OS:-}/${RUNNER_ARCH:-}" in
  Linux/X64) target=x86_64-unknown-linux-musl ;;
  Linux/ARM64) target=aarch64-unknown-linux-musl ;;
  macOS/X64) target=x86_64-apple-darwin ;;
  macOS/ARM64) target=aarch64-apple-darwin ;;
  *)
    # Refused at once: a cargo build would fail minutes later on these (Windows has no
    # Unix signals for stopping Terraform cleanly, and no prebuilt asset exists).
    fail "runner ${RUNNER_OS:-unknown OS}/${RUNNER_ARCH:-unknown arch} is not supported: tfpromote runs on Linux (X64, ARM64) and macOS (X64, ARM64); use runs-on: ubuntu-24.04 or macos-15"
    ;;
esac

sha256_of() { # sha256_of FILE: its SHA-256 in hex (sha256sum on Linux, shasum on macOS)
  local out
  if command -v sha256sum >/dev/null 2>&1; then
    out=$(sha256sum "$1")
  else
    out=$(shasum -a 256 "$1")
  fi
  printf '%s\n' "${out%% *}"
}

build_from_source() {
  note "building tfpromote from source: $1"
  command -v cargo >/dev/null 2>&1 ||
    fail "building tfpromote from source needs cargo on PATH (install Rust first, e.g. rustup toolchain install stable)"
  local target_dir="$temp_root/tfpromote-build"
  cargo build --locked --release --manifest-path "$action_path/Cargo.toml" --target-dir "$target_dir" >&2 ||
    fail "cargo build of tfpromote failed (see the log above)"
  finish "$target_dir/release/tfpromote"
}

finish() { # finish BINARY: check it runs, hand it to the next step
  local bin=$1 reported
  reported=$("$bin" --version) || fail "the installed tfpromote at $bin does not run on this runner ($target)"
  note "using $reported at $bin"
  printf 'path=%s\n' "$bin" >>"$GITHUB_OUTPUT"
  if [ -n "${GITHUB_PATH:-}" ]; then printf '%s\n' "$(dirname "$bin")" >>"$GITHUB_PATH"; fi
  exit 0
}

# --- a binary an earlier job of this run installed -------------------------------------
if [ -n "${INPUT_BINARY:-}" ]; then
  [[ "${INPUT_BINARY_SHA256:-}" =~ ^[0-9a-f]{64}$ ]] ||
    fail "input binary-sha256: \"${INPUT_BINARY_SHA256:-}\" is not 64 hex digits; pass the SHA-256 the earlier job reported with input binary"
  [ -f "$INPUT_BINARY" ] || fail "input binary: \"$INPUT_BINARY\" does not exist (did the download-artifact step run?)"
  handed=$(sha256_of "$INPUT_BINARY")
  [ "$handed" = "$INPUT_BINARY_SHA256" ] ||
    fail "input binary: checksum mismatch for $INPUT_BINARY: expected $INPUT_BINARY_SHA256 (the earlier job's output), got $handed; refusing to run it"
  chmod 0755 "$INPUT_BINARY"
  finish "$INPUT_BINARY"
fi

case "${INPUT_VERIFY_PROVENANCE:-false}" in
  true | false | "") ;;
  *) fail "input verify-provenance: \"${INPUT_VERIFY_PROVENANCE}\" must be true or false" ;;
esac

case "${INPUT_BUILD_FROM_SOURCE:-false}" in
  true) build_from_source "build-from-source: true" ;;
  false | "") ;;
  *) fail "input build-from-source: \"${INPUT_BUILD_FROM_SOURCE}\" must be true or false" ;;
esac

asset="tfpromote-$version-$target.tar.gz"
expected=""
while read -r sum name _rest; do
  case "$sum" in '#'* | "") continue ;; esac
  if [ "${name#\*}" = "$asset" ]; then expected=$sum; fi
done <"$sums_file"
if [ -z "$expected" ]; then
  if [ -n "${INPUT_VERSION:-}" ] && [ "$version" != "$committed_version" ]; then
    fail "no checksum for $asset in $sums_file: version $version is not a release this action knows; pin the action to the tag that ships it, or leave version empty"
  fi
  build_from_source "no checksum for $asset in $sums_file (no release yet for this platform)"
fi
[[ "$expected" =~ ^[0-9a-f]{64}$ ]] || fail "$sums_file: the checksum for $asset is not 64 hex digits"

# --- cached? -------------------------------------------------------------------------------
# Same layout as actions/tool-cache: <cache>/<tool>/<version>/<arch>/ plus <arch>.complete,
# which here records the tarball's checksum so a changed SHA256SUMS line never reuses a
# binary installed from other bytes.
cache_dir="$tool_cache/tfpromote/${version#v}/$target"
marker="$cache_dir.complete"
if [ -x "$cache_dir/tfpromote" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$expected" ]; then
  note "cached $asset in $cache_dir"
  finish "$cache_dir/tfpromote"
fi

# --- download, verify, unpack --------------------------------------------------------------
work=$(mktemp -d "$temp_root/tfpromote-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
server=${GITHUB_SERVER_URL:-https://github.com}
api=${GITHUB_API_URL:-https://api.github.com}
if [ -n "${INPUT_GITHUB_TOKEN:-}" ]; then
  # With a token, through the release assets API: the only way to a private or internal
  # repository's assets (the browser URL is 404 there). The token goes in a header file,
  # never on a command line or in the log.
  headers="$work/headers"
  (
    umask 077
    printf 'Authorization: Bearer %s\n' "$INPUT_GITHUB_TOKEN" >"$headers"
  )
  release_url="$api/repos/$repository/releases/tags/$version"
  note "looking up $asset in release $version of $repository"
  status=$(curl --silent --show-error --location --retry 3 --retry-delay 2 \
    --header @"$headers" --header 'Accept: application/vnd.github+json' \
    --output "$work/release.json" --write-out '%{http_code}' "$release_url") ||
    fail "cannot reach $release_url"
  case "$status" in
    200) ;;
    404) fail "release $version of $repository: not found (404) at $release_url. Either the release is not published (cut it: docs/setup.md), or the token cannot read $repository: for a private or internal repository pass a token with contents: read as the action's github-token (the workflow's GITHUB_TOKEN of that repository works), or set build-from-source: true" ;;
    401 | 403) fail "release $version of $repository: the token was refused ($status) at $release_url; pass a token with contents: read on $repository as the action's github-token" ;;
    *) fail "release $version of $repository: GitHub answered $status at $release_url" ;;
  esac
  # The asset's API URL, found by its exact name, with jq (on every GitHub-hosted runner)
  # or python3; the name is passed as data, never spliced into the program.
  if command -v jq >/dev/null 2>&1; then
    asset_api=$(jq -r --arg name "$asset" '[.assets[]? | select(.name == $name) | .url][0] // empty' "$work/release.json") ||
      fail "release $version of $repository: the answer from $release_url is not a release (JSON)"
  elif command -v python3 >/dev/null 2>&1; then
    asset_api=$(python3 -c 'import json, sys
release = json.load(open(sys.argv[1]))
print(next((a["url"] for a in release.get("assets", []) if a.get("name") == sys.argv[2]), ""))' "$work/release.json" "$asset") ||
      fail "release $version of $repository: the answer from $release_url is not a release (JSON)"
  else
    fail "downloading with a token needs jq or python3 on the runner (GitHub-hosted runners have both); install one, or set build-from-source: true"
  fi
  [ -n "$asset_api" ] || fail "release $version of $repository has no asset $asset (is the release complete for $target?)"
  url=$asset_api
  note "downloading $asset from the release assets API"
  curl --fail --silent --show-error --location --retry 3 --retry-delay 2 \
    --header @"$headers" --header 'Accept: application/octet-stream' \
    --output "$work/$asset" "$url" ||
    fail "cannot download $asset from $url (token without contents: read on $repository?)"
else
  url="$server/$repository/releases/download/$version/$asset"
  note "downloading $url (no token: works only for a public repository)"
  status=$(curl --silent --show-error --location --retry 3 --retry-delay 2 \
    --output "$work/$asset" --write-out '%{http_code}' "$url") || fail "cannot reach $url"
  case "$status" in
    200) ;;
    404) fail "cannot download $url: 404. A private or internal repository's release assets are 404 without a token: pass one with contents: read as the action's github-token. Otherwise release $version has no asset for $target" ;;
    *) fail "cannot download $url: GitHub answered $status" ;;
  esac
fi

actual=$(sha256_of "$work/$asset")
if [ "$actual" != "$expected" ]; then
  fail "checksum mismatch for $asset: expected $expected (committed in SHA256SUMS next to action.yml), got $actual from $url. The download is not the released file; refusing to install it."
fi

if [ "${INPUT_VERIFY_PROVENANCE:-false}" = true ]; then
  # The release workflow attests every asset (actions/attest-build-provenance).
  command -v gh >/dev/null 2>&1 ||
    fail "verify-provenance: true needs the GitHub CLI (gh) on the runner; GitHub-hosted runners have it"
  [ -n "${INPUT_GITHUB_TOKEN:-}" ] || fail "verify-provenance: true needs a token (the action's github-token)"
  GH_TOKEN=$INPUT_GITHUB_TOKEN gh attestation verify "$work/$asset" --repo "$repository" >&2 ||
    fail "build provenance of $asset could not be verified for $repository (gh attestation verify); refusing to install it"
  note "build provenance of $asset verified"
fi

mkdir -p "$work/unpacked"
tar -xzf "$work/$asset" -C "$work/unpacked" tfpromote ||
  fail "$asset has no tfpromote binary at its top level"
chmod 0755 "$work/unpacked/tfpromote"
mkdir -p "$(dirname "$cache_dir")"
rm -rf "$cache_dir" "$marker"
mv "$work/unpacked" "$cache_dir"
printf '%s\n' "$expected" >"$marker"
finish "$cache_dir/tfpromote"
