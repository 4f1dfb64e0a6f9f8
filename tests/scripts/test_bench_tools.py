"""scripts/lib/bench_tools.py: the benchmarks' generated plans, their Python baseline,
the agreement check between tfpromote, jq and Python, and the printed summaries."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import bench_tools


def test_secret_plans_carry_distinct_marked_secrets(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    bench_tools.secret_plan(str(path), 3, 40, True)
    plan = json.loads(path.read_text())
    changes = plan["resource_changes"]
    passwords = [c["change"][side]["password"] for c in changes for side in ("before", "after")]
    assert len(set(passwords)) == 6 and all(len(p) == 44 for p in passwords)
    assert all(c["change"]["after_sensitive"] == {"password": True} for c in changes)
    bench_tools.secret_plan(str(path), 2, 24, False)
    assert all(c["change"]["after_sensitive"] == {} for c in json.loads(path.read_text())["resource_changes"])


def test_count_actions_counts_replacements_both_ways() -> None:
    actions = [["create"], ["delete", "create"], ["create", "delete"], ["no-op"], ["read"], ["update"], ["delete"]]
    plan = {"resource_changes": [{"change": {"actions": a}} for a in actions]}
    assert bench_tools.count_actions(plan) == {
        "create": 1, "update": 1, "delete": 1, "replace": 2, "read": 1, "no_op": 1,
    }


def test_disagreements_name_the_tool_and_the_count() -> None:
    ours = {"create": 2, "update": 1}
    assert bench_tools.disagreements(ours, {"jq": {"create": 2}, "python": {"update": 1}}) == []
    assert bench_tools.disagreements(ours, {"jq": {"create": 3}}) == ["jq: create = 3, tfpromote 2"]


def test_version_time_records_size_and_median(tmp_path: Path) -> None:
    out = tmp_path / "binary"
    bench_tools.version_time(sys.executable, 3, str(out))
    result = bench_tools.read_result(str(out))
    assert int(result["size_bytes"]) > 0 and float(result["version_ms"]) > 0
    assert result["version_runs"] == "3"


def test_the_plan_summary_shows_both_targets() -> None:
    r = {f"{n}_{k}": "1000000" for n in ("cold", "warm", "bare") for k in ("write_bytes", "left_bytes")}
    r |= {"cold_wall_s": "30", "warm_wall_s": "10", "bare_wall_s": "20", "cold_cpu_s": "40",
          "warm_cpu_s": "16", "bare_cpu_s": "30", "cold_moto_cpu_s": "1", "warm_moto_cpu_s": "1",
          "bare_moto_cpu_s": "1", "cores": "2", "warm_providers_linked": "3", "warm_providers_copied": "0"}
    text = bench_tools.plan_summary(r)
    assert "warm / bare: 0.50x (target <= 0.5x)" in text
    assert "warm wall / (CPU / 2 cores): 1.25x (target <= 1.2x)" in text
    assert "3 symlinks into the cache, 0 copies" in text


def test_the_render_summary_counts_a_zero_time_as_ten_milliseconds(capsys) -> None:
    pairs = ["shape=plain", "resources=1000", "bytes=2000000", "runs=3", "tf_s=0.00", "tf_kb=2048",
             "md_s=0.05", "md_kb=4096", "jq_s=0.50", "jq_kb=8192", "py_s=0.20", "py_kb=4096"]
    assert bench_tools.main(["render-summary", *pairs]) == 0
    out = capsys.readouterr().out
    assert "speed-up vs jq: 50.0x" in out
    assert "tfpromote peak memory = 1.05 x file size" in out
    assert bench_tools.main(["version-time", "x"]) == 2
