"""scripts/lib/aws_export.py: the pages of get-account-authorization-details are merged
into the one document tests/iam reads (the export itself runs against moto in
scripts/iam-test)."""

from __future__ import annotations

import aws_export


def test_pages_are_joined_list_by_list_and_markers_dropped() -> None:
    pages = [
        {"RoleDetailList": [{"RoleName": "a"}], "Policies": [], "IsTruncated": True, "Marker": "m1"},
        {"RoleDetailList": [{"RoleName": "b"}], "UserDetailList": [{"UserName": "u"}], "IsTruncated": False},
    ]
    merged = aws_export.merge_pages(pages)
    assert merged == {
        "RoleDetailList": [{"RoleName": "a"}, {"RoleName": "b"}],
        "Policies": [],
        "UserDetailList": [{"UserName": "u"}],
    }
    assert aws_export.describe(merged) == "2 roles, 0 managed policies"


def test_an_unknown_command_prints_the_usage(capsys) -> None:
    assert aws_export.main(["nope"]) == 2
    assert "authorization-details OUT [ROLE_ARN]" in capsys.readouterr().err
