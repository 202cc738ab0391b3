"""The problem table: one row per problem type, and every problem the service answers with is
built from a row, so the OpenAPI document shows a real example of each."""

from __future__ import annotations

import re
from http import HTTPStatus
from pathlib import Path

from family_safety.domain.policy.pack import load_default_pack
from family_safety.lib import problems

PACKAGE = Path(problems.__file__).parents[1]


def test_each_problem_type_has_one_row_and_a_real_example() -> None:
    table = {row.slug: row for row in problems.TABLE}
    assert len(table) == len(problems.TABLE), "a slug has two rows"
    examples = problems.examples(load_default_pack())
    assert set(examples) == set(table)
    for slug, problem in examples.items():
        assert problem.slug == slug
        assert problem.type_ == problems.PROBLEM_TYPE_BASE + slug
        assert problem.status_code == table[slug].status
        assert problem.title == HTTPStatus(problem.status_code).phrase


def test_every_problem_is_built_from_a_row_of_the_table() -> None:
    """No code builds a ``Problem`` by hand: every one comes from a row of the table."""
    for path in PACKAGE.rglob("*.py"):
        if path.name != "problems.py":
            assert "Problem(" not in path.read_text(encoding="utf-8"), path
    source = Path(problems.__file__).read_text(encoding="utf-8")
    assert re.findall(r"\bProblem\(\s*(\S+),\s*(\S+),", source) == [
        ("self.status", "self.slug"),
    ]


def test_a_row_fills_its_templates_with_its_arguments() -> None:
    problem = problems.evidence_not_allowed("minor_exploitation", "media_hash")
    assert problem.detail.startswith(
        "Evidence of kind 'media_hash' is not allowed in a 'minor_exploitation' report"
    )
    assert problem.extra == {
        "errors": [
            {"field": "evidence", "message": "media_hash is not allowed for minor_exploitation"}
        ]
    }
    assert problems.rate_limited(7).headers == {"Retry-After": "7"}
    pack = load_default_pack()
    assert problems.minimum_age(problems.ACCOUNTS_ARE_FOR, pack.minimum_age).detail == (
        "Accounts are for people aged 13 and over."
    )
    under_law = problems.minimum_age(problems.under_law("The Act"), 16)
    assert under_law.detail == "Under The Act, accounts here are for people aged 16 and over."
    assert under_law.extra == {"errors": [{"field": "birthdate", "message": "under 16"}]}
