"""Every problem the service can answer with has a real example in the OpenAPI document."""

from __future__ import annotations

import re
from pathlib import Path

from family_safety.domain.policy.pack import load_default_pack
from family_safety.lib import problems

_SLUG = re.compile(r'Problem\(\s*\d{3},\s*"([a-z-]+)"')


def test_every_problem_the_catalogue_builds_has_an_example() -> None:
    built = set(_SLUG.findall(Path(problems.__file__).read_text(encoding="utf-8")))
    assert built, "no problem constructor found"
    assert set(problems.examples(load_default_pack())) == built
