"""The Python parts of the benchmarks (scripts/bench, bench-plan, bench-render,
bench-secrets): generating the masking benchmark's plans, the Python baseline that counts
a plan's actions, checking that tfpromote, jq and Python agree, timing `--version`, and
printing each benchmark's summary. Standard library only (the benchmarks run it with the
system's python3); tested by tests/scripts/test_bench_tools.py.

    python3 scripts/lib/bench_tools.py secret-plans WORK_DIR
    python3 scripts/lib/bench_tools.py count-actions PLAN.json
    python3 scripts/lib/bench_tools.py agree WORK_DIR
    python3 scripts/lib/bench_tools.py version-time BINARY RUNS OUT
    python3 scripts/lib/bench_tools.py plan-summary RESULT_FILE
    python3 scripts/lib/bench_tools.py render-summary KEY=VALUE...
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

# Action sets of `terraform show -json` and the count each adds to.
KINDS = {
    ("create",): "create",
    ("update",): "update",
    ("delete",): "delete",
    ("delete", "create"): "replace",
    ("create", "delete"): "replace",
    ("read",): "read",
    ("no-op",): "no_op",
}
COUNTS = ["create", "update", "delete", "replace", "read", "no_op"]


def secret_plan(path: str, resources: int, secret_len: int, sensitive: bool) -> None:
    """A plan of `resources` updated databases, each with a distinct password of
    `secret_len` characters before and after; marked sensitive or not."""
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"format_version":"1.2","terraform_version":"1.11.4","resource_changes":[')
        for i in range(resources):
            secret = (f"s3cr3t-{i:08d}-" * (secret_len // 16 + 1))[:secret_len]
            before = {"name": f"r{i}", "password": secret + "-old", "size": i}
            after = {"name": f"r{i}", "password": secret + "-new", "size": i + 1}
            marks = {"password": True} if sensitive else {}
            change = {
                "address": f"module.m{i % 50}.aws_db_instance.r{i}",
                "mode": "managed",
                "type": "aws_db_instance",
                "name": f"r{i}",
                "change": {
                    "actions": ["update"],
                    "before": before,
                    "after": after,
                    "after_unknown": {},
                    "before_sensitive": marks,
                    "after_sensitive": marks,
                },
            }
            if i:
                f.write(",")
            json.dump(change, f)
        f.write("]}")


def secret_plans(work: str) -> None:
    """The three plans of scripts/bench-secrets: no secrets, 80k short ones, 20k long ones."""
    secret_plan(f"{work}/none.json", 40000, 24, False)
    secret_plan(f"{work}/many.json", 40000, 24, True)
    secret_plan(f"{work}/large.json", 10000, 1200, True)


def count_actions(plan: dict) -> dict[str, int]:
    """What jq and `tfpromote render --format json` count, the plain Python way."""
    counts = dict.fromkeys(COUNTS, 0)
    for change in plan["resource_changes"]:
        kind = KINDS.get(tuple(change["change"]["actions"]))
        if kind:
            counts[kind] += 1
    return counts


def disagreements(ours: dict, others: dict[str, dict]) -> list[str]:
    """Where tfpromote's counts differ from jq's or Python's."""
    return [
        f"{name}: {key} = {theirs[key]}, tfpromote {ours.get(key)}"
        for name, theirs in others.items()
        for key in theirs
        if ours.get(key) != theirs[key]
    ]


def version_time(binary: str, runs: int, out: str) -> None:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([binary, "--version"], check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    with open(out, "w", encoding="utf-8") as f:
        f.write(
            f"size_bytes={os.path.getsize(binary)}\n"
            f"version_ms={statistics.median(times) * 1000:.2f}\nversion_runs={runs}\n"
        )


def read_result(path: str) -> dict[str, str]:
    with open(path, encoding="utf-8") as f:
        return dict(line.strip().split("=", 1) for line in f if "=" in line)


def plan_summary(r: dict[str, str]) -> str:
    """scripts/bench-plan's printout: cold, warm and bare runs, and the two ratios."""

    def f(key: str) -> float:
        return float(r[key])

    def mb(key: str) -> str:
        return f"{f(key) / 1e6:,.0f} MB"

    lines = [
        f"{name:4}: {f(name + '_wall_s'):6.1f} s wall, {f(name + '_cpu_s'):6.1f} s CPU "
        f"(moto {f(name + '_moto_cpu_s'):.1f} s), written {mb(name + '_write_bytes')}, "
        f"left {mb(name + '_left_bytes')}"
        for name in ("cold", "warm", "bare")
    ]
    cores = int(r["cores"])
    lines.append(
        f"warm / bare: {f('warm_wall_s') / f('bare_wall_s'):.2f}x (target <= 0.5x); "
        f"warm wall / (CPU / {cores} cores): "
        f"{f('warm_wall_s') / (f('warm_cpu_s') / cores):.2f}x (target <= 1.2x)"
    )
    lines.append(
        f"providers in the warm run: {r['warm_providers_linked']} symlinks into the cache, "
        f"{r['warm_providers_copied']} copies"
    )
    return "\n".join(lines)


def render_summary(r: dict[str, str]) -> str:
    """scripts/bench-render's printout. Times under 10 ms print as 0.00 from GNU time and
    count as 10 ms in the ratios."""

    def s(key: str) -> float:
        return max(float(r[key]), 0.01)

    def mib(key: str) -> float:
        return float(r[key]) / 1024

    size = int(r["bytes"])
    return "\n".join(
        [
            f"plan: {r['shape']}, {r['resources']} resources, {size / 1e6:.1f} MB (counts agree "
            f"with jq and Python); median of {r['runs']} runs each",
            f"tfpromote render: {s('tf_s'):6.2f} s  peak {mib('tf_kb'):7.1f} MiB",
            f"  as Markdown   : {s('md_s'):6.2f} s  peak {mib('md_kb'):7.1f} MiB (the comment, "
            "secrets registered for masking)",
            f"jq              : {s('jq_s'):6.2f} s  peak {mib('jq_kb'):7.1f} MiB",
            f"python json     : {s('py_s'):6.2f} s  peak {mib('py_kb'):7.1f} MiB",
            f"speed-up vs jq: {s('jq_s') / s('tf_s'):.1f}x; tfpromote peak memory = "
            f"{float(r['tf_kb']) * 1024 / size:.2f} x file size",
        ]
    )


def _load(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _agree(work: str) -> int:
    ours = _load(f"{work}/tfpromote.out")["resources"]
    problems = disagreements(
        ours, {"jq": _load(f"{work}/jq.out"), "python": _load(f"{work}/python.out")}
    )
    for problem in problems:
        print(f"bench-render: counts differ: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _print(text: str) -> int:
    print(text)
    return 0


# command -> (number of arguments, or -1 for any; what it runs; its exit code)
COMMANDS: dict[str, tuple[int, Callable[..., int]]] = {
    "secret-plans": (1, lambda work: secret_plans(work) or 0),
    "count-actions": (1, lambda path: _print(json.dumps(count_actions(_load(path))))),
    "agree": (1, _agree),
    "version-time": (3, lambda binary, runs, out: version_time(binary, int(runs), out) or 0),
    "plan-summary": (1, lambda path: _print(plan_summary(read_result(path)))),
    "render-summary": (
        -1,
        lambda *pairs: _print(render_summary(dict(p.split("=", 1) for p in pairs))),
    ),
}


def main(argv: list[str]) -> int:
    arity, run = COMMANDS.get(argv[0] if argv else "", (0, None))
    if run is None or arity not in (-1, len(argv) - 1):
        print(__doc__, file=sys.stderr)
        return 2
    return run(*argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
