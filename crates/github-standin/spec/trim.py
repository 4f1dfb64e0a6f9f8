"""Trims GitHub's dereferenced REST description to the operations the stand-in serves.

Usage: python3 trim.py api.github.com.deref.json api.github.com.trimmed.json
(see README.md for where the input comes from).
"""
import json
import sys

src, dst = sys.argv[1], sys.argv[2]
spec = json.load(open(src))
OPS = [
    # PR tracker comment
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("delete", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    # pull requests, reviews, the approval gate
    ("get", "/repos/{owner}/{repo}/commits/{commit_sha}/pulls"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    ("get", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews"),
    ("get", "/orgs/{org}/teams/{team_slug}/memberships/{username}"),
    ("get", "/orgs/{org}/teams/{team_slug}"),
    ("get", "/users/{username}"),
    ("get", "/repos/{owner}/{repo}/actions/runs/{run_id}/approvals"),
    # the promotion workflow's runs and jobs: the order and no-regression gates' evidence
    ("get", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs"),
    ("get", "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs"),
    # commit statuses (the ladder) and the no-regression gate
    ("post", "/repos/{owner}/{repo}/statuses/{sha}"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/statuses"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/status"),
    ("get", "/repos/{owner}/{repo}/compare/{basehead}"),
    # deployments (the record of what was applied where)
    ("get", "/repos/{owner}/{repo}/deployments"),
    ("post", "/repos/{owner}/{repo}/deployments"),
    ("get", "/repos/{owner}/{repo}/deployments/{deployment_id}"),
    ("get", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"),
    ("post", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"),
    # stale plans: the open pull requests, and a re-run of one's plan run (same event and
    # ref, so its signed plan is trusted; a dispatch could only run on a branch)
    ("get", "/repos/{owner}/{repo}/pulls"),
    ("get", "/repos/{owner}/{repo}/actions/runs/{run_id}"),
    ("post", "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun"),
    # the stateful-change allow label: who added it (issue events) and whether they may
    # write (collaborator permission); labels added and removed through the API
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/events"),
    ("get", "/repos/{owner}/{repo}/collaborators/{username}/permission"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
    ("delete", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}"),
    # drift issues
    ("get", "/repos/{owner}/{repo}/issues"),
    ("post", "/repos/{owner}/{repo}/issues"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}"),
    ("patch", "/repos/{owner}/{repo}/issues/{issue_number}"),
    # github-setup: environments, branch policies, OIDC subject template
    ("get", "/repos/{owner}/{repo}/environments"),
    ("get", "/repos/{owner}/{repo}/environments/{environment_name}"),
    ("put", "/repos/{owner}/{repo}/environments/{environment_name}"),
    ("get", "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies"),
    ("post", "/repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies"),
    ("get", "/repos/{owner}/{repo}/actions/oidc/customization/sub"),
    ("put", "/repos/{owner}/{repo}/actions/oidc/customization/sub"),
    # the action's installer: a release by tag and its asset (private repositories)
    ("get", "/repos/{owner}/{repo}/releases/tags/{tag}"),
    ("get", "/repos/{owner}/{repo}/releases/assets/{asset_id}"),
]
out = {
    "openapi": spec["openapi"],
    "info": {"title": spec["info"]["title"], "version": spec["info"]["version"]},
    "paths": {},
}
for method, path in OPS:
    op = spec["paths"][path][method]
    keep = {k: op[k] for k in ("operationId", "parameters", "requestBody") if k in op}
    keep["responses"] = {}
    for code, resp in op["responses"].items():
        if code.startswith("2"):
            # Only the examples: the stand-in answers with them; response schemas are not checked.
            content = resp.get("content", {}).get("application/json", {})
            keep["responses"][code] = {
                "description": resp.get("description", ""),
                "content": {"application/json": {"examples": content.get("examples", {})}},
            }
    out["paths"].setdefault(path, {})[method] = keep
json.dump(out, open(dst, "w"), indent=1, sort_keys=True)
