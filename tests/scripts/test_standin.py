"""scripts/lib/standin.py: the sandbox's checks of the PR comment, and its calls to the
GitHub stand-in's set-up API, against the real stand-in where one is needed is left to
scripts/sandbox (which builds it); here the pure parts."""

from __future__ import annotations

import pytest

import standin

SECTIONS = "".join(f"<!-- tfpromote:section {e} -->\n" for e in ("dev", "stage", "prod"))


def test_a_comment_with_every_environment_within_githubs_limit_passes() -> None:
    assert standin.comment_problem(SECTIONS + "x" * 1000) is None


def test_a_comment_over_githubs_limit_is_refused() -> None:
    problem = standin.comment_problem(SECTIONS + "x" * standin.COMMENT_LIMIT)
    assert problem is not None and "(limit 65536)" in problem


def test_a_comment_missing_an_environment_is_refused() -> None:
    problem = standin.comment_problem(SECTIONS.replace("stage", "stagex"))
    assert problem is not None and "sections missing: ['stage']" in problem


def test_a_malformed_control_payload_fails_before_any_request() -> None:
    with pytest.raises(ValueError):
        standin.control("http://127.0.0.1:9", "commits", '{"sha": ')


def test_the_command_line_reports_the_comment(tmp_path, capsys) -> None:
    body = tmp_path / "comment.md"
    body.write_text(SECTIONS)
    assert standin.main(["comment", str(body)]) == 0
    assert "with dev, stage and prod" in capsys.readouterr().out
    body.write_text("nothing")
    assert standin.main(["comment", str(body)]) == 1
    assert standin.main([]) == 2
