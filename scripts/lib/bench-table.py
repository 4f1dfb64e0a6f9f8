"""Turns the `key=value` results of one scripts/bench run into BENCHMARKS.md: the machine,
then one Markdown table with the performance targets and by how much each is met or missed.

Usage: python3 scripts/lib/bench-table.py RESULTS_DIR
       python3 scripts/lib/bench-table.py --keep-sections BENCHMARKS.md TABLE.md
The second form prints TABLE.md followed by the `## ` sections of BENCHMARKS.md that other
benchmark scripts wrote (an earlier full run kept for comparison is dropped).
RESULTS_DIR holds `machine`, `render-SHAPE-N` (scripts/bench-render), `plan`
(scripts/bench-plan), `binary` and `secrets` (scripts/bench-secrets); missing parts are left out.
"""

import sys
from pathlib import Path

RENDER_TARGET_AT = 100_000
# The Markdown comment (what `plan` and `render --format markdown` build, masking included)
# has the same targets as the JSON document, at both large sizes.
MARKDOWN_TARGET_AT = (100_000, 200_000)
SPEEDUP_TARGET = 10.0  # render at 100k: at least 10x faster than jq
RSS_TARGET = 0.5  # render at 100k: peak RSS at most half the file
WARM_TARGET = 0.5  # warm plan --all: at most half the time of three bare runs
CPU_BOUND_TARGET = 1.2  # warm wall within 1.2x of (CPU time / cores)
LOADED = 0.5  # a 1-minute load average from here on means other work shared the machine

SHAPES = {
    "plain": "plain plan",
    "sensitive": "sensitive-heavy plan",
}


def read(path: Path) -> dict:
    if not path.exists():
        return {}
    return dict(line.rstrip("\n").split("=", 1) for line in path.open() if "=" in line)


def mib(kb) -> str:
    value = float(kb) / 1024
    return f"{value / 1024:.2f} GiB" if value >= 1024 else f"{value:.0f} MiB"


def mb(n) -> str:
    value = float(n) / 1e6
    return f"{value:,.1f} MB" if value < 100 else f"{value:,.0f} MB"


def seconds(s) -> float:
    # /usr/bin/time prints 0.00 for runs under 10 ms; count them as 10 ms for the ratios.
    return max(float(s), 0.01)


def at_least(value: float, target: float, unit: str = "x") -> str:
    if value >= target:
        return f"met ({value:.1f}{unit})"
    return f"**missed** by {(1 - value / target) * 100:.0f}% ({value:.1f}{unit} of {target:g}{unit})"


def at_most(value: float, target: float, unit: str = "x") -> str:
    if value <= target:
        return f"met ({value:.2f}{unit})"
    return f"**missed** by {(value / target - 1) * 100:.0f}% ({value:.2f}{unit} of {target:g}{unit})"


def render_rows(results: Path):
    rows = []
    for shape, label in SHAPES.items():
        parts = sorted((read(p) for p in results.glob(f"render-{shape}-*")),
                       key=lambda r: int(r["resources"]))
        for r in parts:
            n, size = int(r["resources"]), int(r["bytes"])
            tf_s, jq_s, py_s = (seconds(r[k]) for k in ("tf_s", "jq_s", "py_s"))
            rss = int(r["tf_kb"]) * 1024 / size
            speedup, vs_python = jq_s / tf_s, py_s / tf_s
            if n == RENDER_TARGET_AT:
                target = f">= {SPEEDUP_TARGET:g}x jq; RSS <= {RSS_TARGET:g}x file"
                verdict = f"speed {at_least(speedup, SPEEDUP_TARGET)}; RSS {at_most(rss, RSS_TARGET)}"
            else:
                target, verdict = "", ""
            rows.append((
                f"render, {label}, {n:,} resources ({mb(size)})",
                f"{tf_s:.2f} s, {mib(r['tf_kb'])} ({rss:.2f}x file)",
                f"jq {jq_s:.2f} s, {mib(r['jq_kb'])}; Python {py_s:.2f} s, {mib(r['py_kb'])}",
                f"{speedup:.1f}x jq, {vs_python:.1f}x Python",
                target, verdict))
    return rows


def markdown_rows(results: Path, cores: int):
    """The Markdown comment block (`render`, what `plan` posts), masking included, against
    the same jq run as the JSON row beside it. On a shared machine wall times say more about
    the other work than about either program, so the verdict also gives the ratio their CPU
    times allow: jq's CPU time (one thread) against tfpromote's over the cores."""
    rows = []
    for shape, label in SHAPES.items():
        parts = sorted((read(p) for p in results.glob(f"render-{shape}-*")),
                       key=lambda r: int(r["resources"]))
        for r in parts:
            n, size = int(r["resources"]), int(r["bytes"])
            md_s, jq_s = seconds(r["md_s"]), seconds(r["jq_s"])
            rss = int(r["md_kb"]) * 1024 / size
            speedup = jq_s / md_s
            by_cpu = ""
            if "md_cpu_s" in r and "jq_cpu_s" in r:
                cpu_ratio = float(r["jq_cpu_s"]) / max(float(r["md_cpu_s"]) / cores, 0.01)
                by_cpu = f"; by CPU time {at_least(cpu_ratio, SPEEDUP_TARGET)}"
            if n in MARKDOWN_TARGET_AT:
                target = f">= {SPEEDUP_TARGET:g}x jq; RSS <= {RSS_TARGET:g}x file"
                verdict = (f"speed {at_least(speedup, SPEEDUP_TARGET)}{by_cpu}; "
                           f"RSS {at_most(rss, RSS_TARGET)}")
            else:
                target, verdict = "", ""
            cpu = f", {float(r['md_cpu_s']):.2f} s CPU" if "md_cpu_s" in r else ""
            jq_cpu = f" ({float(r['jq_cpu_s']):.2f} s CPU)" if "jq_cpu_s" in r else ""
            rows.append((
                f"Markdown comment (masked), {label}, {n:,} resources ({mb(size)})",
                f"{md_s:.2f} s{cpu}, {mib(r['md_kb'])} ({rss:.2f}x file)",
                f"jq {jq_s:.2f} s{jq_cpu}, {mib(r['jq_kb'])}",
                f"{speedup:.1f}x jq", target, verdict))
    return rows


def plan_rows(r: dict):
    if not r:
        return []
    f = lambda k: float(r[k])
    cores = int(r["cores"])

    def cost(name):
        return (f"{f(name + '_wall_s'):.1f} s wall, {f(name + '_cpu_s'):.1f} s CPU, "
                f"{mb(r[name + '_write_bytes'])} written, {mb(r[name + '_left_bytes'])} left")

    bare = "3 bare runs: " + cost("bare")
    warm_ratio = f("warm_wall_s") / f("bare_wall_s")
    bound = f("warm_cpu_s") / cores
    with_moto = (f("warm_cpu_s") + f("warm_moto_cpu_s")) / cores
    linked, copied = int(r["warm_providers_linked"]), int(r["warm_providers_copied"])
    providers_ok = copied == 0 and linked >= 3
    return [
        ("`plan --all`, 3 environments on moto, cold (empty plugin cache)", cost("cold"), bare,
         f"{f('cold_wall_s') / f('bare_wall_s'):.2f}x bare", "", ""),
        ("`plan --all`, warm (cache filled)", cost("warm"), bare, f"{warm_ratio:.2f}x bare",
         f"<= {WARM_TARGET:g}x bare", at_most(warm_ratio, WARM_TARGET)),
        ("`plan --all`, warm: wall against what 2 cores allow",
         f"{f('warm_wall_s'):.1f} s wall",
         f"CPU / {cores} cores = {bound:.1f} s ({with_moto:.1f} s counting moto's "
         f"{f('warm_moto_cpu_s'):.1f} s CPU)",
         f"{f('warm_wall_s') / bound:.2f}x", f"<= {CPU_BOUND_TARGET:g}x",
         at_most(f("warm_wall_s") / bound, CPU_BOUND_TARGET)),
        ("`plan --all`, warm: providers per environment",
         f"{linked} symlinks into the cache, {copied} copies", "bare: one copy per environment", "",
         "no copy", "met" if providers_ok else "**missed**"),
    ]


def binary_rows(r: dict):
    if not r:
        return []
    return [
        ("release binary", mb(r["size_bytes"]), "", "", "", ""),
        (f"`tfpromote --version`, median of {r['version_runs']}", f"{float(r['version_ms']):.1f} ms",
         "", "", "", ""),
    ]


def secrets_rows(r: dict):
    if not r:
        return []
    cases = {"none": "40,000 resources, no secrets", "many": "40,000 resources, 80,000 secrets",
             "large": "10,000 resources, 20,000 secrets of 1.2 KB"}
    def cost(case):
        cpu = f", {float(r[case + '_cpu_s']):.2f} s CPU" if case + "_cpu_s" in r else ""
        return f"{seconds(r[case + '_s']):.2f} s{cpu}, {mib(r[case + '_kb'])}"
    return [(f"masking (Markdown report), {label} ({mb(r[case + '_bytes'])})", cost(case),
             "", "", "", "")
            for case, label in cases.items() if case + "_s" in r]


def markdown_bounds(results: Path, cores: int):
    """What bounds the Markdown comment: its CPU time over the cores (the fastest it can be
    here) and the peak RSS each further resource costs against the plan bytes it adds."""
    notes = []
    for shape, label in SHAPES.items():
        parts = sorted((read(p) for p in results.glob(f"render-{shape}-*")),
                       key=lambda r: int(r["resources"]))
        for r in parts:
            if int(r["resources"]) not in MARKDOWN_TARGET_AT or "md_cpu_s" not in r:
                continue
            cpu = float(r["md_cpu_s"])
            floor = cpu / cores
            # jq runs on one thread: its CPU time is its wall time on a quiet machine.
            jq = float(r["jq_cpu_s"]) if "jq_cpu_s" in r else seconds(r["jq_s"])
            jq_what = "jq's CPU time" if "jq_cpu_s" in r else "jq's"
            cap = jq / max(floor, 0.01)
            notes.append(
                f"- Markdown comment, {label}, {int(r['resources']):,} resources: {cpu:.2f} s of CPU "
                f"(reading, secret registration, rendering, masking), so on {cores} cores at least "
                f"{floor:.2f} s: at most {cap:.1f}x {jq_what} {jq:.2f} s"
                + (f", short of the {SPEEDUP_TARGET:g}x target on this machine however quiet." if cap < SPEEDUP_TARGET else "."))
        if len(parts) >= 2:
            small, large = parts[-2], parts[-1]
            extra = int(large["resources"]) - int(small["resources"])
            rss = (int(large["md_kb"]) - int(small["md_kb"])) * 1024 / extra
            file = (int(large["bytes"]) - int(small["bytes"])) / extra
            notes.append(
                f"- Markdown comment, {label}: each further resource costs {rss:,.0f} B of peak RSS for "
                f"{file:,.0f} B of plan ({rss / file:.2f}x), so the RSS/file ratio tends to "
                f"{rss / file:.2f}x on large plans"
                + (f", above the {RSS_TARGET:g}x target at any size." if rss / file > RSS_TARGET else "."))
    return notes


def render_bounds(results: Path, cores: int):
    """What bounds render's peak RSS, from the run's own numbers: the memory each further
    resource costs (between the two largest sizes) against the file bytes it adds. When that
    margin exceeds the RSS target, no plan size meets the target."""
    notes = []
    for shape, label in SHAPES.items():
        parts = sorted((read(p) for p in results.glob(f"render-{shape}-*")),
                       key=lambda r: int(r["resources"]))
        if len(parts) < 2:
            continue
        small, large = parts[-2], parts[-1]
        extra = int(large["resources"]) - int(small["resources"])
        rss = (int(large["tf_kb"]) - int(small["tf_kb"])) * 1024 / extra
        file = (int(large["bytes"]) - int(small["bytes"])) / extra
        base = int(parts[0]["tf_kb"]) * 1024
        at_target = [r for r in parts if int(r["resources"]) == RENDER_TARGET_AT and "tf_cpu_s" in r]
        for r in at_target:
            cpu = float(r["tf_cpu_s"])
            floor = cpu / cores
            cap = seconds(r["jq_s"]) / max(floor, 0.01)
            notes.append(
                f"- render, {label}, {RENDER_TARGET_AT:,} resources: tfpromote used {cpu:.2f} s of CPU "
                f"(scanner thread plus {min(cores, 4)} parsing workers), so on {cores} cores it cannot "
                f"finish in less than {floor:.2f} s: at most {cap:.1f}x jq's {seconds(r['jq_s']):.2f} s"
                + (f", short of the {SPEEDUP_TARGET:g}x target on this machine however quiet." if cap < SPEEDUP_TARGET else "."))
        notes.append(
            f"- render, {label}: each further resource costs {rss:,.0f} B of peak RSS for "
            f"{file:,.0f} B of plan ({rss / file:.2f}x; fixed part {base / 2**20:.0f} MiB at "
            f"{int(parts[0]['resources']):,} resources), so the RSS/file ratio tends to "
            f"{rss / file:.2f}x on large plans"
            + (f", above the {RSS_TARGET:g}x target at any size." if rss / file > RSS_TARGET else "."))
    return notes


def plan_bounds(r: dict, load: float):
    if not r:
        return []
    f = lambda k: float(r[k])
    cores = int(r["cores"])
    floor = f("warm_cpu_s") / cores / f("bare_wall_s")
    notes = [
        f"- `plan --all` warm against bare: the warm run still needs {f('warm_cpu_s'):.1f} s of CPU "
        f"(Terraform and the AWS provider: start-up, schema, plan; the bare runs needed "
        f"{f('bare_cpu_s'):.1f} s), so on {cores} cores it cannot take less than "
        f"{f('warm_cpu_s') / cores:.1f} s, {floor:.2f}x the bare runs' wall time"
        + (f", above the {WARM_TARGET:g}x target: unreachable here. " if floor > WARM_TARGET
           else f" (the floor under the {WARM_TARGET:g}x target). ")
        + "The cache saves what installing writes "
        f"({f('bare_write_bytes') / 1e6:,.0f} MB bare, {f('warm_write_bytes') / 1e6:,.0f} MB warm) "
        "and, on a runner, the download."]
    if load >= LOADED:
        notes.append(
            f"- wall against CPU / cores: other work shared the {cores} cores (load average "
            f"{r.get('load', load)}), which stretches wall time but not this run's CPU time; "
            "the ratio means something only on a quiet machine.")
    return notes


# An earlier full run, kept in BENCHMARKS.md only until a new one replaces it.
EARLIER_RUN = "## The previous full run"


def keep_sections(existing: str, table: str) -> str:
    """`table` (a new run's top part) followed by every `## ` section of `existing` except
    an earlier full run: the sections scripts/bench does not write stay as they were."""
    sections, current = [], None
    for line in existing.splitlines():
        if line.startswith("## "):
            current = [] if not line.startswith(EARLIER_RUN) else None
            if current is not None:
                sections.append(current)
        if current is not None:
            current.append(line)
    kept = ["\n".join(section).rstrip() for section in sections]
    return "\n\n".join([table.rstrip(), *kept]) + "\n"


def main():
    if sys.argv[1] == "--keep-sections":
        existing = Path(sys.argv[2]).read_text(encoding="utf-8") if Path(sys.argv[2]).exists() else ""
        print(keep_sections(existing, Path(sys.argv[3]).read_text(encoding="utf-8")), end="")
        return
    results = Path(sys.argv[1])
    m = read(results / "machine")
    lines = []
    load = float(m["load_start"].split()[0])
    notes = []
    if load >= LOADED:
        notes.append(f"measured under load (load average {m['load_start']} at start)")
    if m["sizes"].split() != m["all_sizes"].split():
        notes.append(f"a quick run at {m['sizes']} resources only")
    lines.append("# Benchmarks")
    lines.append("")
    if notes:
        lines.append(f"**Provisional: {'; '.join(notes)}.** Rerun `scripts/bench --write` on a quiet machine.")
        lines.append("")
    lines.append("Made by `scripts/bench --write` (what each part measures: the comments at the top of "
                 "`scripts/bench`, `scripts/bench-render`, `scripts/bench-plan` and `scripts/bench-secrets`).")
    lines.append("")
    lines.append(f"- machine: {m['cpu']}, {m['cores']} cores, {m['ram']} RAM, {m['kernel']}")
    lines.append(f"- {m['tfpromote']} (release build) at commit {m['commit']}; Terraform {m['terraform']}, "
                 f"{m['jq']}, {m['python']}")
    lines.append(f"- {m['date']}; load average {m['load_start']} at start, {m.get('load_end', '?')} at the end; "
                 f"the run took {m.get('seconds', '?')} s")
    lines.append(f"- times are medians of {m['runs']} runs (render, masking); peak RSS is the largest of them; "
                 "`plan --all` runs once per way")
    lines.append("")
    lines.append("| benchmark | tfpromote | compared with | ratio | target | verdict |")
    lines.append("|---|---|---|---|---|---|")
    # The masking rows (the redaction design's cost) sit beside the Markdown comment's.
    rows = (render_rows(results) + markdown_rows(results, int(m["cores"]))
            + secrets_rows(read(results / "secrets")) + plan_rows(read(results / "plan"))
            + binary_rows(read(results / "binary")))
    for row in rows:
        lines.append("| " + " | ".join(row) + " |")
    bounds = (render_bounds(results, int(m["cores"])) + markdown_bounds(results, int(m["cores"]))
              + plan_bounds(read(results / "plan"), load))
    if bounds:
        lines.append("")
        lines.append("What bounds the numbers (computed from this run; see also README, Performance):")
        lines.append("")
        lines.extend(bounds)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
