"""Cuts the `run:` scripts out of action.yml and the workflows, one file per step, so
scripts/lint-workflows can give each to shellcheck (as actionlint does when it finds
shellcheck). Read with a real YAML parser; each file is named after its workflow, job,
step index and step name, so a finding says where to look.

    python scripts/lib/workflow_scripts.py OUT_DIR action.yml .github/workflows/*.yml
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import yaml


def run_scripts(name: str, doc: Any) -> list[tuple[str, str]]:
    """(file name, script) for every step with `run:`; a composite action (action.yml)
    counts as one job named `action`."""
    if not isinstance(doc, dict):
        return []
    jobs = {"action": doc.get("runs") or {}} if Path(name).name == "action.yml" else doc.get("jobs") or {}
    out = []
    for job_id, job in jobs.items():
        for index, step in enumerate((job or {}).get("steps") or []):
            if not isinstance(step, dict) or "run" not in step:
                continue
            label = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{name}--{job_id}--{index}--{step.get('name', '')}")
            # Never a hidden file (`.github/...`): the shell's `*.sh` would pass it over.
            label = label.lstrip(".")
            out.append((f"{label}.sh", "#!/usr/bin/env bash\n" + step["run"]))
    return out


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    for name in argv[1:]:
        for file_name, script in run_scripts(name, yaml.safe_load(Path(name).read_text(encoding="utf-8"))):
            (out / file_name).write_text(script, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
