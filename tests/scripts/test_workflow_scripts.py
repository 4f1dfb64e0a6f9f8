"""scripts/lib/workflow_scripts.py: every `run:` step of the action and the workflows is
cut out, one file per step, named after where it comes from; steps with `uses:` are not."""

from __future__ import annotations

from pathlib import Path

import yaml

import workflow_scripts

ROOT = Path(__file__).resolve().parents[2]


def test_a_workflows_run_steps_become_one_script_each() -> None:
    doc = yaml.safe_load(
        """
jobs:
  plan:
    steps:
      - uses: actions/checkout@v5
      - name: Plan it
        run: echo "$X"
      - run: |
          set -e
          make
"""
    )
    scripts = workflow_scripts.run_scripts(".github/workflows/pr-plan.yml", doc)
    assert scripts == [
        ("github_workflows_pr-plan.yml--plan--1--Plan_it.sh", '#!/usr/bin/env bash\necho "$X"'),
        ("github_workflows_pr-plan.yml--plan--2--.sh", "#!/usr/bin/env bash\nset -e\nmake\n"),
    ]


def test_the_composite_action_counts_as_one_job() -> None:
    doc = {"runs": {"using": "composite", "steps": [{"run": "true", "shell": "bash"}]}}
    assert workflow_scripts.run_scripts("action.yml", doc) == [
        ("action.yml--action--0--.sh", "#!/usr/bin/env bash\ntrue")
    ]


def test_every_run_step_of_the_repository_is_found(tmp_path: Path) -> None:
    files = [ROOT / "action.yml", *sorted((ROOT / ".github/workflows").glob("*.yml"))]
    expected = sum(
        1
        for f in files
        for job in (
            {"a": yaml.safe_load(f.read_text())["runs"]}
            if f.name == "action.yml"
            else yaml.safe_load(f.read_text())["jobs"]
        ).values()
        for step in job.get("steps") or []
        if "run" in step
    )
    assert workflow_scripts.main([str(tmp_path), *map(str, files)]) == 0
    # Not hidden: lint-workflows hands shellcheck `./*.sh`, which skips dot files.
    assert len(list(tmp_path.glob("[!.]*.sh"))) == expected > 0
