#!/usr/bin/env bash
# Runs the installed tfpromote with the action's inputs. Inputs arrive only as environment
# variables (action.yml's `env:`); they are handed to the binary as TFPROMOTE_* variables,
# never spliced into a command line, and the binary replaces this shell (`exec`) so its exit
# code and signals are the step's. Only non-empty inputs are exported: an empty TFPROMOTE_*
# variable would count as "given" to the binary.
set -euo pipefail

fail() {
  printf '::error title=tfpromote::%s\n' "$*" >&2
  exit 2
}

bin=${TFPROMOTE_BIN:-}
[ -n "$bin" ] && [ -x "$bin" ] || fail "tfpromote is not installed (the install step did not report a binary)"

command=${INPUT_COMMAND:-}
case "$command" in
  plan | apply | promote | destroy | status | drift | check) ;;
  *) fail "input command: \"$command\" is not one of plan, apply, promote, destroy, status, drift, check" ;;
esac

if [ -n "${INPUT_WORKING_DIRECTORY:-}" ]; then
  cd -- "$INPUT_WORKING_DIRECTORY" || fail "input working-directory: cannot enter \"$INPUT_WORKING_DIRECTORY\""
fi

# Clear anything a caller's job env might have set, then set only what the inputs say.
unset TFPROMOTE_CONFIG TFPROMOTE_ENV TFPROMOTE_ALL TFPROMOTE_CONFIRM TFPROMOTE_TEAM_TOKEN TFPROMOTE_DEADLINE
if [ -n "${INPUT_CONFIG:-}" ]; then export TFPROMOTE_CONFIG="$INPUT_CONFIG"; fi
if [ -n "${INPUT_ENVIRONMENT:-}" ]; then
  export TFPROMOTE_ENV="$INPUT_ENVIRONMENT"
elif [ "$command" = plan ]; then
  export TFPROMOTE_ALL=true
fi
if [ -n "${INPUT_CONFIRM:-}" ]; then export TFPROMOTE_CONFIRM="$INPUT_CONFIRM"; fi
# The token for team membership lookups only (the approval gate's `team:` approvers).
if [ -n "${INPUT_TEAM_TOKEN:-}" ]; then export TFPROMOTE_TEAM_TOKEN="$INPUT_TEAM_TOKEN"; fi
# tfpromote's own deadline, below the job's timeout-minutes; the binary checks its shape.
if [ -n "${INPUT_DEADLINE:-}" ]; then export TFPROMOTE_DEADLINE="$INPUT_DEADLINE"; fi
# The plugin cache the action restores (and saves when the job ends): the binary fills
# exactly that directory. A config's `terraform.plugin_cache` still wins over it.
if [ -n "${INPUT_PLUGIN_CACHE_DIR:-}" ]; then export TF_PLUGIN_CACHE_DIR="$INPUT_PLUGIN_CACHE_DIR"; fi
# The token: the binary reads INPUT_GITHUB_TOKEN itself; an empty one means "no token".
if [ -z "${INPUT_GITHUB_TOKEN:-}" ]; then unset INPUT_GITHUB_TOKEN; fi
unset INPUT_COMMAND INPUT_ENVIRONMENT INPUT_CONFIG INPUT_CONFIRM INPUT_WORKING_DIRECTORY INPUT_PLUGIN_CACHE_DIR TFPROMOTE_BIN
unset INPUT_TEAM_TOKEN INPUT_DEADLINE

exec "$bin" "$command"
