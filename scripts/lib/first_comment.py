"""scripts/bench-first-comment's arithmetic: a pull request's time to first comment, the
bare Terraform floor, and what lies between them, from the files the script leaves per run.
Standard library only.

    python3 scripts/lib/first_comment.py analyse WORK RUNS CORES   (key=value lines)
    python3 scripts/lib/first_comment.py table RESULT                (the printout)

Per measured run K (1..RUNS) the script leaves, under WORK:
  run-K.t0         process start of `tfpromote plan --all` (epoch seconds, taken just before exec)
  run-K.m          scripts/lib/measure-tree.py of that process tree (wall_s, cpu_s, ...)
  run-K.moto       moto's CPU seconds during the run
  run-K.err        tfpromote's stderr, with `tfpromote: timing: NAME START_US END_US` lines
  run-K.terraform  one line per Terraform run (scripts/bench-first-comment's wrapper):
                   START END SELF_USER SELF_SYS USER SYS ARGS... (times as bash prints them)
  run-K.state      the stand-in's /_standin/state (requests with received_unix_us)
  bare-K.terraform the three bare `terraform plan` runs, same format
  bare-K.moto      moto's CPU seconds per bare plan: `ENV SECONDS` lines
"""

from __future__ import annotations

import json
import re
import statistics
import sys

ENVS = ("dev", "stage", "prod")
WRITES = ("issues/create-comment", "issues/update-comment")
# The critical path from process start to the comment, one boundary after another; each
# segment is the difference of two consecutive boundaries, so they add up to the total.
SEGMENTS = (
    ("startup", "process start to the first `init` (config, provider check, `terraform version`)"),
    ("init", "the three `init`s, one after another (each holds the plugin cache exclusively)"),
    ("checks", "`fmt -check` and `validate` of the last environment, after every `init`"),
    ("plan", "`terraform plan` of the last environment"),
    ("show", "`terraform show -json` of the last environment"),
    ("read", "reading that plan JSON, summary and policy review"),
    ("render", "waiting for the other environments' tasks, report, job summary, outputs, records"),
    ("sign", "ID token per environment to sign what reviewers see"),
    ("github", "tracker: list comments, then the comment's create or PATCH"),
)


def seconds(text: str) -> float:
    """`0m1.234s` (bash `times`) -> 1.234."""
    match = re.fullmatch(r"(\d+)m([\d.]+)s", text)
    if not match:
        raise ValueError(f"not a bash `times` value: {text!r}")
    return int(match.group(1)) * 60 + float(match.group(2))


def terraform_runs(path: str) -> list[dict]:
    """The wrapper's lines: subcommand, environment, start, end, CPU of Terraform and its
    providers, and the wrapper's own CPU."""
    runs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split()
            start, end, su, ss, cu, cs, args = *fields[:6], fields[6:]
            chdir = next((a.split("=", 1)[1] for a in args if a.startswith("-chdir=")), "")
            command = next((a for a in args if not a.startswith("-")), "?")
            env = chdir.rstrip("/").rsplit("/", 1)[-1] if chdir else ""
            runs.append({
                "command": command, "env": env, "start": float(start), "end": float(end),
                "cpu": seconds(cu) + seconds(cs), "wrapper_cpu": seconds(su) + seconds(ss),
            })
    return runs


def timings(path: str) -> dict[str, tuple[float, float]]:
    found = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            match = re.match(r"tfpromote: timing: (.+) (\d+) (\d+)$", line.strip())
            if match:
                found[match.group(1)] = (int(match.group(2)) / 1e6, int(match.group(3)) / 1e6)
    return found


def key_values(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line)


def one_run(work: str, k: int) -> dict[str, float]:
    """One measured run: the time to first comment, its critical path and its CPU."""
    with open(f"{work}/run-{k}.t0", encoding="utf-8") as f:
        t0 = float(f.read().strip())
    tf = terraform_runs(f"{work}/run-{k}.terraform")
    phases = timings(f"{work}/run-{k}.err")
    with open(f"{work}/run-{k}.state", encoding="utf-8") as f:
        requests = [r for r in json.load(f)["requests"] if r["received_unix_us"] / 1e6 >= t0]
    writes = [r for r in requests if r["operation"] in WRITES]
    if not writes:
        raise SystemExit(f"run {k}: the stand-in received no tracker comment: {requests}")
    comment = writes[0]["received_unix_us"] / 1e6

    def of(command: str, env: str | None = None) -> list[dict]:
        return [r for r in tf if r["command"] == command and (env is None or r["env"] == env)]

    missing = [f"{e} read" for e in ENVS if f"{e} read" not in phases]
    missing += [p for p in ("render", "sign", "comment") if p not in phases]
    if missing or len(of("init")) != 3 or len(of("plan")) != 3 or len(of("show")) != 3:
        raise SystemExit(f"run {k}: phases missing ({missing}) or not 3 init/plan/show: {tf}")
    last = max(ENVS, key=lambda e: phases[f"{e} read"][1])
    boundaries = [
        t0,
        min(r["start"] for r in of("init")),
        max(r["end"] for r in of("init")),
        of("plan", last)[0]["start"],
        of("plan", last)[0]["end"],
        of("show", last)[0]["end"],
        phases[f"{last} read"][1],
        phases["render"][1],
        phases["sign"][1],
        comment,
    ]
    result = {"ttfc_s": comment - t0}
    for (name, _), a, b in zip(SEGMENTS, boundaries, boundaries[1:]):
        result[f"seg_{name}_s"] = b - a
    result["last_env_" + last] = 1.0
    tree = key_values(f"{work}/run-{k}.m")
    result["wall_s"] = float(tree["wall_s"])
    result["cpu_s"] = float(tree["cpu_s"])
    with open(f"{work}/run-{k}.moto", encoding="utf-8") as f:
        result["moto_cpu_s"] = float(f.read().strip())
    result["after_comment_s"] = result["wall_s"] - result["ttfc_s"]
    for command in ("version", "init", "fmt", "validate", "plan", "show"):
        result[f"tf_{command}_cpu_s"] = sum(r["cpu"] for r in of(command))
    terraform_cpu = sum(r["cpu"] for r in tf)
    wrapper_cpu = sum(r["wrapper_cpu"] for r in tf)
    result["tf_other_cpu_s"] = terraform_cpu - sum(
        result[f"tf_{c}_cpu_s"] for c in ("version", "init", "fmt", "validate", "plan", "show"))
    result["wrapper_cpu_s"] = wrapper_cpu
    # The tree's CPU less Terraform's and the wrapper's: tfpromote itself.
    result["tfpromote_cpu_s"] = result["cpu_s"] - terraform_cpu - wrapper_cpu
    for env in ENVS:
        plan = of("plan", env)[0]
        result[f"plan_{env}_wall_s"] = plan["end"] - plan["start"]
        result[f"plan_{env}_cpu_s"] = plan["cpu"]
        start, end = phases[f"{env} read"]
        result[f"read_{env}_s"] = end - start
    result["github_requests"] = float(len(requests))
    return result


def bare_run(work: str, k: int, cores: int) -> dict[str, float]:
    """The floor: three bare `terraform plan` runs of the same environments, one after
    another. CPU-bound floor = their CPU and moto's serving them over the cores; it can be
    no less than the longest single plan either."""
    tf = {r["env"]: r for r in terraform_runs(f"{work}/bare-{k}.terraform")}
    moto = {}
    with open(f"{work}/bare-{k}.moto", encoding="utf-8") as f:
        for line in f:
            env, value = line.split()
            moto[env] = float(value)
    result = {}
    for env in ENVS:
        result[f"bare_{env}_wall_s"] = tf[env]["end"] - tf[env]["start"]
        result[f"bare_{env}_cpu_s"] = tf[env]["cpu"]
        result[f"bare_{env}_moto_cpu_s"] = moto[env]
    result["bare_seq_wall_s"] = sum(result[f"bare_{e}_wall_s"] for e in ENVS)
    result["bare_cpu_s"] = sum(result[f"bare_{e}_cpu_s"] for e in ENVS)
    result["bare_moto_cpu_s"] = sum(moto.values())
    result["floor_cpu_s"] = (result["bare_cpu_s"] + result["bare_moto_cpu_s"]) / cores
    result["floor_longest_s"] = max(result[f"bare_{e}_wall_s"] for e in ENVS)
    result["floor_s"] = max(result["floor_cpu_s"], result["floor_longest_s"])
    return result


def analyse(work: str, runs: int, cores: int) -> str:
    per_run = []
    for k in range(1, runs + 1):
        row = one_run(work, k)
        row.update(bare_run(work, k, cores))
        row["above_floor_s"] = row["ttfc_s"] - row["floor_s"]
        per_run.append(row)
    keys = sorted({key for row in per_run for key in row})
    lines = [f"runs={runs}", f"cores={cores}"]
    for key in keys:
        values = [row.get(key, 0.0) for row in per_run]
        if key.startswith("last_env_"):
            lines.append(f"{key}={int(sum(values))}")
            continue
        lines.append(f"{key}={statistics.median(values):.3f}")
        lines.append(f"{key}_runs={','.join(f'{v:.3f}' for v in values)}")
    return "\n".join(lines) + "\n"


def table(r: dict[str, str]) -> str:
    def f(key: str) -> float:
        return float(r[key])

    cores = int(r["cores"])
    out = [
        f"median of {r['runs']} warm runs; load average {r.get('load_start', '?')} at the start, "
        f"{r.get('load_end', '?')} at the end ({cores} cores)",
        f"time to first comment: {f('ttfc_s'):6.2f} s   (runs: {r['ttfc_s_runs'].replace(',', ', ')})",
        f"floor (bare plans):    {f('floor_s'):6.2f} s   = max(CPU {f('bare_cpu_s'):.2f} s + moto "
        f"{f('bare_moto_cpu_s'):.2f} s over {cores} cores = {f('floor_cpu_s'):.2f} s, longest plan "
        f"{f('floor_longest_s'):.2f} s); one after another {f('bare_seq_wall_s'):.2f} s",
        "  " + ", ".join(
            f"{e} {f(f'bare_{e}_wall_s'):.2f} s wall / {f(f'bare_{e}_cpu_s'):.2f} s CPU "
            f"(moto {f(f'bare_{e}_moto_cpu_s'):.2f} s)" for e in ENVS),
        f"above the floor:       {f('above_floor_s'):6.2f} s   "
        f"(time to first comment / floor = {f('ttfc_s') / f('floor_s'):.2f}x)",
        "critical path to the comment (medians of each segment; they need not add up to the "
        "median total):",
    ]
    for name, what in SEGMENTS:
        out.append(f"  {name:8} {f(f'seg_{name}_s'):6.2f} s  {what}")
    last = ", ".join(f"{e} {r.get('last_env_' + e, '0')}x" for e in ENVS)
    out.append(f"  (environment the comment waited for last: {last})")
    plan_cpu = f("tf_plan_cpu_s")
    out += [
        f"CPU of the whole run: {f('cpu_s'):.2f} s + moto {f('moto_cpu_s'):.2f} s "
        f"(bare plans: {f('bare_cpu_s'):.2f} s + moto {f('bare_moto_cpu_s'):.2f} s)",
        f"  terraform plan {plan_cpu:.2f} s, init {f('tf_init_cpu_s'):.2f} s, fmt "
        f"{f('tf_fmt_cpu_s'):.2f} s, validate {f('tf_validate_cpu_s'):.2f} s, show -json "
        f"{f('tf_show_cpu_s'):.2f} s, version {f('tf_version_cpu_s'):.2f} s, other "
        f"{f('tf_other_cpu_s'):.2f} s",
        f"  tfpromote itself {f('tfpromote_cpu_s'):.2f} s (reading: "
        + ", ".join(f"{e} {f(f'read_{e}_s'):.2f} s" for e in ENVS)
        + f" wall), timing wrapper {f('wrapper_cpu_s'):.2f} s",
        f"process end after the comment: {f('after_comment_s'):.2f} s (the tracker re-reads "
        f"to verify); GitHub requests per run: {f('github_requests'):.0f}",
    ]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    if len(argv) == 4 and argv[0] == "analyse":
        sys.stdout.write(analyse(argv[1], int(argv[2]), int(argv[3])))
        return 0
    if len(argv) == 2 and argv[0] == "table":
        print(table(key_values(argv[1])))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
