"""The command line from any folder, as an operator runs it: without a data dir or a database URL
outside the project's folder it says in one line what it needs and creates nothing; every
failure is one line on standard error, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e  # a real process per test, run by `make test-e2e`

COMMAND = shutil.which("family-safety") or str(
    Path(__file__).parents[2] / ".venv/bin/family-safety"
)
LOCATION = ("FAMILY_SAFETY_DATA_DIR", "FAMILY_SAFETY_DATABASE_URL", "FAMILY_SAFETY_KEYRING_PATH")


def run(folder: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in LOCATION}
    return subprocess.run(
        [COMMAND, *argv],
        cwd=folder,
        env={**clean, "FAMILY_SAFETY_LOG_LEVEL": "WARNING", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The failure's one line on standard error (nothing else there, no traceback)."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("family-safety: ")
    return lines[0]


@pytest.mark.parametrize(
    "argv",
    [
        ("roles", "grant", "alex", "staff"),
        ("audit", "verify"),
        ("db", "upgrade"),
        ("keys", "rotate"),
        ("serve",),
    ],
)
def test_outside_the_project_without_a_data_dir_it_says_what_it_needs_and_creates_nothing(
    tmp_path, argv
):
    result = run(tmp_path, *argv)
    assert result.returncode == 2
    assert "FAMILY_SAFETY_DATA_DIR" in one_line(result)
    assert list(tmp_path.iterdir()) == []


def test_with_a_data_dir_it_works_from_any_folder(tmp_path):
    data = tmp_path / "data"
    migrated = run(tmp_path, "db", "upgrade", FAMILY_SAFETY_DATA_DIR=str(data))
    assert migrated.returncode == 0, migrated.stderr
    assert (data / "family_safety.db").exists()
    verified = run(tmp_path, "audit", "verify", FAMILY_SAFETY_DATA_DIR=str(data))
    assert verified.returncode == 0, verified.stderr
    assert "every audit chain verifies" in verified.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]  # no ./.family_safety


def test_an_unknown_handle_is_one_line(tmp_path):
    data = str(tmp_path / "data")
    assert run(tmp_path, "db", "upgrade", FAMILY_SAFETY_DATA_DIR=data).returncode == 0
    result = run(tmp_path, "roles", "grant", "nobody_here", "staff", FAMILY_SAFETY_DATA_DIR=data)
    assert one_line(result) == "family-safety: no account has the handle 'nobody_here'"


def test_a_data_dir_without_a_database_is_one_line_and_stays_empty(tmp_path):
    result = run(tmp_path, "roles", "grant", "alex", "staff", FAMILY_SAFETY_DATA_DIR=str(tmp_path))
    assert "no database at" in one_line(result)
    assert list(tmp_path.iterdir()) == []


def test_a_database_that_cannot_be_opened_is_one_line(tmp_path):
    (tmp_path / "family_safety.db").write_text("not a database")
    result = run(tmp_path, "audit", "verify", FAMILY_SAFETY_DATA_DIR=str(tmp_path))
    assert "cannot be used" in one_line(result)


def test_a_database_server_that_does_not_answer_is_one_line(tmp_path):
    url = "postgresql://nobody@127.0.0.1:1/nothing"
    result = run(tmp_path, "roles", "grant", "alex", "staff", FAMILY_SAFETY_DATABASE_URL=url)
    assert "cannot reach the database" in one_line(result)


def test_a_bad_key_file_is_one_line(tmp_path):
    (tmp_path / "keyring.json").write_text("{not json")
    result = run(tmp_path, "keys", "rotate", FAMILY_SAFETY_DATA_DIR=str(tmp_path))
    assert "keyring" in one_line(result)


def test_a_bad_setting_is_one_line_naming_its_variable(tmp_path):
    result = run(
        tmp_path,
        "audit",
        "verify",
        FAMILY_SAFETY_DATA_DIR=str(tmp_path),
        FAMILY_SAFETY_ACCESS_TOKEN_TTL_SECONDS="soon",
    )
    assert one_line(result).startswith("family-safety: FAMILY_SAFETY_ACCESS_TOKEN_TTL_SECONDS")


def test_in_the_project_folder_the_default_data_dir_needs_no_configuration(tmp_path):
    """What ``make run`` relies on: in a folder whose pyproject.toml is this project's."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "family-safety"\n')
    result = run(tmp_path, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".family_safety" / "family_safety.db").exists()
