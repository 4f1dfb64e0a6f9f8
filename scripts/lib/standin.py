"""The sandbox's side of the GitHub stand-in (crates/github-standin) and of its output:
set-up calls to the stand-in's own API (`/_standin/...`, never part of GitHub's), the
requests it saw that break GitHub's REST description, and the size of the PR comment.
Standard library only: scripts/sandbox runs it with the system's python3.

    python3 scripts/lib/standin.py control URL ENDPOINT JSON
    python3 scripts/lib/standin.py violations URL
    python3 scripts/lib/standin.py comment FILE
"""

from __future__ import annotations

import json
import sys
import urllib.request

# GitHub refuses an issue comment body longer than this (characters).
COMMENT_LIMIT = 65536
ENVIRONMENTS = ("dev", "stage", "prod")


def comment_problem(body: str) -> str | None:
    """Why GitHub would refuse the tracker comment or a reviewer would miss an
    environment in it, or None."""
    missing = [e for e in ENVIRONMENTS if f"<!-- tfpromote:section {e} -->" not in body]
    if len(body) > COMMENT_LIMIT or missing:
        return (
            f"the comment is {len(body)} characters (limit {COMMENT_LIMIT}), "
            f"sections missing: {missing}"
        )
    return None


def control(url: str, endpoint: str, payload: str, field: str | None = None) -> None:
    """POSTs a set-up call (a commit, a pull request, a review...) to the stand-in; prints
    `field` of its answer when asked (the id of a workflow run it created, say)."""
    json.loads(payload)  # a typo in the sandbox script fails here, with the payload
    request = urllib.request.Request(
        f"{url}/_standin/{endpoint}",
        data=payload.encode(),
        method="POST",
        headers={"content-type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        answer = response.read()
    if field:
        print(json.loads(answer or b"{}")[field])


def violations(url: str) -> list:
    with urllib.request.urlopen(f"{url}/_standin/violations", timeout=10) as response:
        return json.loads(response.read().decode())


def _check_violations(url: str) -> int:
    found = violations(url)
    if found:
        print(f"sandbox: requests that break GitHub's REST description: {found}", file=sys.stderr)
        return 1
    return 0


def _check_comment(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        body = handle.read()
    problem = comment_problem(body)
    if problem:
        print(f"sandbox: {problem}", file=sys.stderr)
        return 1
    print(f"sandbox: the comment is {len(body)} characters of {COMMENT_LIMIT}, with dev, stage and prod")
    return 0


# command -> (numbers of arguments, what it runs; its exit code)
COMMANDS = {
    "control": ((3, 4), lambda *args: control(*args) or 0),
    "violations": ((1,), _check_violations),
    "comment": ((1,), _check_comment),
}


def main(argv: list[str]) -> int:
    arity, run = COMMANDS.get(argv[0] if argv else "", ((), None))
    if run is None or len(argv) - 1 not in arity:
        print(__doc__, file=sys.stderr)
        return 2
    return run(*argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
