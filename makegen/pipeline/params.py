"""The values of one param: a TOML list, a file of values, or a glob over existing files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ..contract.buildfile import Origin, file_digest, glob_digest
from ..errors import MakegenError
from .names import PARAM_NAME, is_valid_value
from .placeholders import PlaceholderError, parse_path
from .source import Source

_HINT = "values may hold only letters, digits and ._+@- and must not be `.`, `..` or start with `-`"


@dataclass(frozen=True)
class ParamValues:
    """A param's values in the order given, and where they came from (for messages)."""

    name: str
    values: tuple[str, ...]
    origin: str
    file: Optional[Path] = None  # the values file, for `{ file = ... }`
    source: Optional[Origin] = None  # the values file or glob, for knowing when the build is stale


def load(source: Source, name: str, spec: Any, root: Path) -> ParamValues:
    where = "params"
    if not PARAM_NAME.match(name):
        raise source.error(f"param name `{name}` must match [a-z_][a-z0-9_]* (lower case)", where, name)
    file = None
    if isinstance(spec, list):
        values = _from_list(source, name, spec)
        origin = f"{source.path} [params] {name}"
        recorded = None
    elif isinstance(spec, dict) and set(spec) == {"file"} and isinstance(spec["file"], str):
        file = root / spec["file"]
        values, origin = _from_file(source, name, file)
        recorded = Origin("file", str(file.resolve()), "", file_digest(file.read_bytes()))
    elif isinstance(spec, dict) and set(spec) == {"glob"} and isinstance(spec["glob"], str):
        values, origin = _from_glob(source, name, spec["glob"], root)
        folder, relative = _glob_parts(spec["glob"], name, root)
        recorded = Origin("glob", str(folder), relative, glob_digest(folder, relative))
    else:
        raise source.error(
            f"{name} must be a list of values, {{ file = \"values.txt\" }} or "
            f"{{ glob = \"data/{{{name}}}.txt\" }}", where, name)
    if not values:
        raise source.error(f"{name} has no values ({origin})", where, name,
                           hint="give at least one value")
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise source.error(f"{name} lists the value {value!r} twice ({origin})", where, name,
                               hint="every value makes its own instances; list each once")
        seen.add(value)
    return ParamValues(name, tuple(values), origin, file=file, source=recorded)


def _from_list(source: Source, name: str, spec: list[Any]) -> list[str]:
    values = []
    for item in spec:
        if isinstance(item, bool) or not isinstance(item, (str, int)):
            raise source.error(f"{name} holds {item!r}; values must be strings or whole numbers",
                               "params", name)
        value = str(item)
        if not is_valid_value(value):
            raise source.error(f"{name} value {value!r} is not allowed in file names and commands",
                               "params", name, hint=_HINT)
        values.append(value)
    return values


def _from_file(source: Source, name: str, path: Path) -> tuple[list[str], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise source.error(f"cannot read the values file {path}: {exc.strerror}", "params", name,
                           hint="the path is relative to the folder of the pipeline file") from None
    except UnicodeDecodeError:
        raise source.error(f"the values file {path} is not UTF-8 text", "params", name) from None
    values = []
    first_line: dict[str, int] = {}
    text = text.removeprefix("\ufeff")  # a byte-order mark, as in the pipeline file
    for number, line in enumerate(text.splitlines(), 1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        if not is_valid_value(value):
            raise MakegenError(f"value {value!r} of param `{name}` is not allowed in file names "
                               "and commands", file=path, line=number, key=f"[params] {name}",
                               hint=_HINT)
        if value in first_line:
            raise MakegenError(f"value {value!r} of param `{name}` is listed twice (also on line "
                               f"{first_line[value]})", file=path, line=number, key=f"[params] {name}",
                               hint="every value makes its own instances; list each once")
        first_line[value] = number
        values.append(value)
    return values, str(path)


def _natural(text: str) -> list[tuple[int, object]]:
    """A sort key that orders runs of digits by their number: chunk2 < chunk10."""
    return [(1, int(part)) if part.isdigit() else (0, part) for part in re.split(r"(\d+)", text)]


def _glob_parts(pattern: str, name: str, root: Path) -> tuple[Path, str]:
    """The folder a glob param looks in, and the pattern below it."""
    base = pattern if pattern.startswith("/") else f"{root}/{pattern}"
    head = base.split("{" + name + "}")[0]
    folder = Path(head[: head.rfind("/")] or "/")
    return folder, base[len(str(folder).rstrip("/")) + 1 :].replace("{" + name + "}", "*")


def _from_glob(source: Source, name: str, pattern: str, root: Path) -> tuple[list[str], str]:
    placeholder = "{" + name + "}"
    if pattern.count(placeholder) != 1 or pattern.replace(placeholder, "").count("{"):
        raise source.error(f"glob {pattern!r} must hold `{placeholder}` exactly once and no other "
                           "placeholder", "params", name,
                           hint=f"write {placeholder} where the value stands in the file names, "
                                f'e.g. glob = "data/{placeholder}.fastq"')
    try:
        parse_path(pattern, allow_vars=False)
    except PlaceholderError as exc:
        raise source.error(f"glob {pattern!r}: {exc}", "params", name) from None
    base = pattern if pattern.startswith("/") else f"{root}/{pattern}"
    head, tail = base.split(placeholder)
    folder, relative = _glob_parts(pattern, name, root)
    values = []
    # Natural order (s2 before s10), as a person lists samples.
    for match_path in sorted(folder.glob(relative), key=lambda p: _natural(str(p))):
        text = str(match_path)
        if not (text.startswith(head) and text.endswith(tail)):
            continue
        value = text[len(head) : len(text) - len(tail)]
        if not is_valid_value(value):
            raise source.error(f"glob {pattern!r} matched {match_path}, whose value {value!r} is "
                               f"not allowed in file names and commands", "params", name,
                               hint=_HINT + "; rename the file or narrow the glob")
        values.append(value)
    if not values:
        raise source.error(f"glob {pattern!r} matches no file (looked in {folder})", "params", name,
                           hint="a param needs at least one value: check the pattern and that the "
                                "files exist; it is relative to the folder of the pipeline file")
    return values, f"glob {pattern!r}"
