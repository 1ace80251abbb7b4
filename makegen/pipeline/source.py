"""Reading pipeline.toml: the TOML document plus where its tables and keys stand.

tomllib gives line numbers only for syntax errors, so semantic errors find their line by
scanning the text for the table header and the key; when the scan cannot tell (dotted keys,
inline tables) the message names the table's line, or none.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ..contract.buildfile import file_digest
from ..errors import MakegenError, did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on older interpreters only
    import tomli as tomllib


@dataclass(frozen=True)
class Source:
    """The pipeline file: its path, its parsed document and its lines."""

    path: Path
    document: dict[str, Any]
    lines: tuple[str, ...]
    digest: str = ""  # of the file's bytes: a build records it to know when it is stale

    def table_line(self, table: str) -> Optional[int]:
        """1-based line of `[table]`, or of the first `[table.sub]` when there is none."""
        header = re.compile(r"\s*\[\s*" + _dotted(table) + r"\s*\]")
        sub = re.compile(r"\s*\[\s*" + _dotted(table) + r"\s*\.")
        for pattern in (header, sub):
            for number, text in enumerate(self.lines, 1):
                if pattern.match(text):
                    return number
        return None

    def key_line(self, table: str, key: str) -> Optional[int]:
        """1-based line of `key = ...` inside `[table]`, else the table's line."""
        start = self.table_line(table)
        if start is None:
            return None
        assignment = re.compile(r"\s*(\"?)" + re.escape(key) + r"\1\s*=")
        for number in range(start + 1, len(self.lines) + 1):
            text = self.lines[number - 1]
            if re.match(r"\s*\[", text):
                break
            if assignment.match(text):
                return number
        return start

    def error(self, message: str, table: str, key: Optional[str] = None,
              hint: Optional[str] = None) -> MakegenError:
        """A MakegenError pointing at `[table]` (and `key` in it)."""
        line = self.key_line(table, key) if key else self.table_line(table)
        name = f"[{table}] {key}" if key else f"[{table}]"
        return MakegenError(message, file=self.path, key=name, line=line, hint=hint)


def _dotted(table: str) -> str:
    parts = table.split(".")
    return r"\s*\.\s*".join(r"\"?" + re.escape(part) + r"\"?" for part in parts)


def read_source(path: Path) -> Source:
    """Parse a pipeline file, turning every failure into a user error."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise MakegenError(
            "no such pipeline file", file=path,
            hint="run makegen in the folder of pipeline.toml, or name the file: "
                 "makegen check path/to/pipeline.toml",
        ) from None
    except IsADirectoryError:
        raise MakegenError("is a directory, not a pipeline file", file=path,
                           hint="name the pipeline.toml inside it") from None
    except OSError as exc:
        raise MakegenError(f"cannot read the pipeline file: {exc.strerror}", file=path) from None
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")  # editors on some systems add a BOM
    except UnicodeDecodeError as exc:
        raise MakegenError(f"not UTF-8 text (byte {exc.start})", file=path) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise MakegenError(f"TOML syntax error: {message}", file=path, line=line,
                           hint="see https://toml.io for the syntax") from None
    return Source(path=path, document=document, lines=tuple(text.splitlines()), digest=file_digest(raw))


def _toml_error_line(message: str) -> Optional[int]:
    match = re.search(r"at line (\d+)", message)
    return int(match.group(1)) if match else None


def check_keys(source: Source, table: dict[str, Any], allowed: tuple[str, ...], where: Optional[str]) -> None:
    """Refuse a key not in `allowed`, with the nearest allowed one as a suggestion."""
    for key in table:
        if key not in allowed:
            hint = "allowed keys: " + ", ".join(allowed)
            message = f"unknown key `{key}`{did_you_mean(key, allowed)}"
            if where is None:
                raise MakegenError(message, file=source.path, key=key,
                                   line=source.table_line(key), hint=hint)
            raise source.error(message, where, key, hint=hint)
