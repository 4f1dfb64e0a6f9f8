"""scripts/lib/bench-table.py: a new run's table replaces the top of BENCHMARKS.md without
losing the sections other benchmark scripts wrote."""

import importlib.util

from conftest import ROOT

spec = importlib.util.spec_from_file_location("bench_table", ROOT / "scripts" / "lib" / "bench-table.py")
bench_table = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench_table)


def test_a_new_run_keeps_the_other_scripts_sections_and_drops_the_earlier_run() -> None:
    existing = "\n".join([
        "# Benchmarks", "", "old table row",
        "## The previous full run, on a quiet machine", "old quiet row",
        "## Policy and cost beside the render", "policy row",
        "## Time to first comment", "first comment row", "",
    ])
    out = bench_table.keep_sections(existing, "# Benchmarks\n\nnew table row\n")
    assert out.startswith("# Benchmarks\n\nnew table row\n\n## Policy and cost")
    assert "policy row" in out and "first comment row" in out
    assert "old table row" not in out and "old quiet row" not in out


def test_without_an_existing_file_only_the_table_is_written() -> None:
    assert bench_table.keep_sections("", "# Benchmarks\n\nrow\n") == "# Benchmarks\n\nrow\n"
