"""scripts/lib/prometheus_rules.py (scripts/check-prometheus-rules): the observability
module's real rule files pass, and a broken file is refused naming each bad rule with its
file and line. The PromQL parser is the real one (PyPI promql-parser)."""

from __future__ import annotations

from pathlib import Path

import prometheus_rules

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests/fixtures/prometheus-rules/broken.yaml"


def test_the_observability_rules_pass(capsys) -> None:
    assert prometheus_rules.main([str(ROOT / "infra/modules/observability/rules")]) == 0
    assert "rule file(s) OK" in capsys.readouterr().out


def test_a_broken_file_names_every_bad_rule_with_its_line() -> None:
    problems = prometheus_rules.check_file(str(BROKEN))
    found = [p.split(": ", 1)[1].split(":", 1)[0] for p in problems]
    lines = [int(p.split(":")[1]) for p in problems]
    assert lines == [8, 12, 17, 19, 21], problems
    assert found == [
        "group 'broken'",
        "group 'broken'",
        "group 'broken'",
        "group 'broken'",
        "group 'broken'",
    ]
    text = "\n".join(problems)
    assert "rule 'UnclosedParen': expr does not parse as PromQL" in text
    assert "rule 'BadDuration': `for: '5 minutes'` is not a Prometheus duration" in text
    assert "rule 'NoSeverity': alerts need labels.severity" in text
    assert "rule 'bad-metric-name': record 'bad-metric-name' is not a valid metric name" in text
    assert "rule 'both': a rule has exactly one of `record` and `alert`" in text


def test_the_command_line_exits_1_on_a_broken_file(capsys) -> None:
    assert prometheus_rules.main([str(BROKEN)]) == 1
    assert "5 problem(s) in 1 file(s)" in capsys.readouterr().err


def test_an_empty_file_and_a_folder_without_rules_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert prometheus_rules.check_file(str(empty)) == [f"{empty}:1: empty file; a rule file needs `groups:`"]
    (tmp_path / "none").mkdir()
    try:
        list(prometheus_rules.files([str(tmp_path / "none")]))
    except SystemExit as exit:
        assert "no .yaml files in" in str(exit)
    else:
        raise AssertionError("a folder without rule files passed")
