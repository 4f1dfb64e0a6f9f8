"""scripts/lib/first_comment.py: scripts/bench-first-comment's time to first comment, its
critical path and CPU attribution, and the bare-plan floor, from a run's raw files."""

from __future__ import annotations

import json
from pathlib import Path

import first_comment

T0 = 1_000.0
ENVS = ("dev", "stage", "prod")


def tf_line(start: float, end: float, cpu: float, *args: str) -> str:
    """One line of the Terraform wrapper's log: bash `times` values, then the arguments."""
    return f"{start:.6f} {end:.6f} 0m0.001s 0m0.001s 0m{cpu:.3f}s 0m0.000s {' '.join(args)}\n"


def write_run(work: Path, k: int) -> None:
    """A run whose prod environment finishes last: inits one after another from T0+1."""
    lines = [tf_line(T0 + 0.1, T0 + 0.2, 0.05, "version", "-json")]
    for i, env in enumerate(ENVS):
        chdir = f"-chdir=/repo/infra/environments/{env}"
        lines.append(tf_line(T0 + 1 + 2 * i, T0 + 3 + 2 * i, 1.5, chdir, "init", "-input=false"))
    for i, env in enumerate(ENVS):
        chdir = f"-chdir=/repo/infra/environments/{env}"
        lines += [
            tf_line(T0 + 7, T0 + 7.2, 0.05, chdir, "fmt", "-check"),
            tf_line(T0 + 7.2, T0 + 10, 3.0, chdir, "validate", "-json"),
            tf_line(T0 + 10 + i, T0 + 15 + i, 5.0, chdir, "plan", "-input=false"),
            tf_line(T0 + 15 + i, T0 + 17 + i, 2.5, chdir, "show", "-json", "-no-color"),
        ]
    (work / f"run-{k}.terraform").write_text("".join(lines))
    (work / f"run-{k}.t0").write_text(f"{T0:.6f}")
    us = lambda t: int(t * 1e6)  # noqa: E731
    timing = [f"tfpromote: timing: {env} read {us(T0 + 17 + i)} {us(T0 + 17.1 + i)}"
              for i, env in enumerate(ENVS)]
    timing += [f"tfpromote: timing: render {us(T0 + 19.2)} {us(T0 + 19.3)}",
               f"tfpromote: timing: sign {us(T0 + 19.3)} {us(T0 + 19.5)}",
               f"tfpromote: timing: comment {us(T0 + 19.5)} {us(T0 + 20.5)}"]
    (work / f"run-{k}.err").write_text("tfpromote: dev: planning\n" + "\n".join(timing) + "\n")
    requests = [
        {"operation": "issues/list-comments", "received_unix_us": us(T0 - 50)},  # an earlier run
        {"operation": "issues/list-comments", "received_unix_us": us(T0 + 19.6)},
        {"operation": "issues/create-comment", "received_unix_us": us(T0 + 19.8)},
        {"operation": "issues/list-comments", "received_unix_us": us(T0 + 20.4)},
    ]
    (work / f"run-{k}.state").write_text(json.dumps({"requests": requests}))
    (work / f"run-{k}.m").write_text("wall_s=20.600\ncpu_s=40.000\n")
    (work / f"run-{k}.moto").write_text("0.15\n")
    bare = [tf_line(T0 + 30 + 6 * i, T0 + 35 + 6 * i, 5.0,
                    f"-chdir=/repo/infra/environments/{env}", "plan") for i, env in enumerate(ENVS)]
    (work / f"bare-{k}.terraform").write_text("".join(bare))
    (work / f"bare-{k}.moto").write_text("".join(f"{env} 0.04\n" for env in ENVS))


def parse(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines())


def test_time_to_first_comment_its_segments_and_the_floor(tmp_path: Path) -> None:
    write_run(tmp_path, 1)
    r = parse(first_comment.analyse(str(tmp_path), 1, 2))
    assert float(r["ttfc_s"]) == 19.8  # to the create, not the verifying re-read
    segments = [float(r[f"seg_{name}_s"]) for name, _ in first_comment.SEGMENTS]
    assert abs(sum(segments) - 19.8) < 1e-6
    assert abs(float(r["seg_startup_s"]) - 1.0) < 1e-6  # to the first init
    assert abs(float(r["seg_init_s"]) - 6.0) < 1e-6  # three inits, one after another
    assert abs(float(r["seg_plan_s"]) - 5.0) < 1e-6  # prod's plan: it finished last
    assert abs(float(r["seg_github_s"]) - 0.3) < 1e-6  # comment phase start to the create
    assert r["last_env_prod"] == "1"
    # CPU: Terraform by command, the wrapper, and tfpromote as the rest of the tree.
    assert float(r["tf_plan_cpu_s"]) == 15.0 and float(r["tf_validate_cpu_s"]) == 9.0
    assert abs(float(r["tfpromote_cpu_s"]) - (40.0 - 0.05 - 4.5 - 0.15 - 9.0 - 15.0 - 7.5 - 0.032)) < 1e-6
    # Floor: (3 x 5 s CPU + 3 x 0.04 s moto) / 2 cores = 7.56 s, above the longest plan (5 s).
    assert abs(float(r["floor_s"]) - 7.56) < 1e-6
    assert abs(float(r["above_floor_s"]) - (19.8 - 7.56)) < 1e-6
    assert float(r["github_requests"]) == 3


def test_the_table_names_every_segment(tmp_path: Path) -> None:
    write_run(tmp_path, 1)
    result = first_comment.analyse(str(tmp_path), 1, 2) + "load_start=0.5 0.4 0.3\n"
    text = first_comment.table(parse(result))
    assert "time to first comment:  19.80 s" in text
    for name, _ in first_comment.SEGMENTS:
        assert f"  {name}" in text


def test_a_run_without_a_comment_is_an_error(tmp_path: Path) -> None:
    write_run(tmp_path, 1)
    state = json.loads((tmp_path / "run-1.state").read_text())
    state["requests"] = [r for r in state["requests"] if r["operation"] != "issues/create-comment"]
    (tmp_path / "run-1.state").write_text(json.dumps(state))
    try:
        first_comment.analyse(str(tmp_path), 1, 2)
    except SystemExit as e:
        assert "no tracker comment" in str(e)
    else:
        raise AssertionError("a run without a comment must not yield a time")
