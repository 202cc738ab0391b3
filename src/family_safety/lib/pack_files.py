"""Reading TOML pack files (the policy pack, the safety packs) so that a broken one names its file
and line.

TOML parsers give no positions for values, so after a pack fails a check the line is found again
in the text, best effort, from the names on the way to the offending value (see
``PackSource.line_of``). One home for this, so every pack reports errors the same way.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)
_ANY_TABLE_HEADER = re.compile(r"^\s*\[")


class PackModel(BaseModel):
    """A table of a pack file, as every pack checks it: an unknown key or a value of another
    type is an error, never ignored or converted."""

    model_config = ConfigDict(extra="forbid", strict=True)


class PackError(ValueError):
    """A pack file that cannot be used; the message names the file and, where known, the line."""


@dataclass(frozen=True, slots=True)
class PackSource:
    """A pack file's name and text, to word errors; error_type is the PackError subclass raised."""

    name: str
    lines: tuple[str, ...]
    error_type: type[PackError] = PackError

    def error(self, message: str, *names: str | int) -> PackError:
        line = self.line_of(names)
        return self.error_type(
            f"{self.name} line {line}: {message}" if line else f"{self.name}: {message}"
        )

    def line_of(self, names: Sequence[str | int]) -> int | None:
        """Best effort: the line where the last of names (e.g. a key, "defaults", a band) is
        written, each looked for from the line of the one before; stops at one not found.

        A name written as a key (at the start of a line) is preferred to a mention elsewhere, such
        as inside a description. An int after a name is an index into an array of tables written
        as ``[[name]]`` headers: it finds that entry's header, and the names after it are looked
        for within that entry only. An int with no such headers (an inline array) is skipped.
        """
        found: int | None = None
        end = len(self.lines)
        previous: str | None = None
        for name in names:
            if isinstance(name, int):
                entry = self._entry(previous, name) if previous is not None else None
                if entry is not None:
                    found, end = entry
                continue
            previous = name
            match = self._find(name, found or 0, end)
            if match is None:
                break
            found = match
        return None if found is None else found + 1

    def _find(self, name: str, start: int, end: int) -> int | None:
        as_key = re.compile(rf'^\s*"?{re.escape(name)}"?\s*[=.]')
        written = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
        for pattern in (as_key, written):
            for number in range(start, end):
                line = self.lines[number]
                if pattern.search(line) and not line.lstrip().startswith("#"):
                    return number
        return None

    def _entry(self, table: str, index: int) -> tuple[int, int] | None:
        """The first line and the end (exclusive) of entry index of the array of tables."""
        header = re.compile(rf'^\s*\[\[\s*"?{re.escape(table)}"?\s*\]\]')
        headers = [number for number, line in enumerate(self.lines) if header.match(line)]
        if index >= len(headers):
            return None
        first = headers[index]
        end = next(
            (
                number
                for number in range(first + 1, len(self.lines))
                if _ANY_TABLE_HEADER.match(self.lines[number])
            ),
            len(self.lines),
        )
        return first, end


def read_toml(path: Path, error_type: type[PackError] = PackError) -> tuple[PackSource, Any]:
    """A pack file's source and its TOML data; a syntax error raises error_type naming the line."""
    text = path.read_text(encoding="utf-8")
    source = PackSource(path.name, tuple(text.split("\n")), error_type)  # TOML's lines: "\n"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _syntax_error(source, error) from None
    return source, data


def validated(source: PackSource, model: type[M], data: Any) -> M:
    """data checked by a pydantic model; the first error names the line of the value at fault."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        raise source.error(f"{dotted(first['loc'])}: {first['msg']}", *first["loc"]) from None


def dotted(loc: Sequence[int | str]) -> str:
    """A pydantic location for people: settings.account.private.defaults, bands[2].name."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def _syntax_error(source: PackSource, error: tomllib.TOMLDecodeError) -> PackError:
    located = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", str(error))
    if located is None:
        return source.error_type(f"{source.name}: invalid TOML: {error}")
    message, line, column = located.groups()
    return source.error_type(f"{source.name} line {line}, column {column}: invalid TOML: {message}")
