"""The values of one param: a TOML list, a file of values, or a glob over existing files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import MakegenError
from .placeholders import PARAM_NAME, Param, PlaceholderError, is_valid_value, parse_path
from .source import Source

PIPELINE_NAME = re.compile(r"[A-Za-z0-9_.-]+\Z")
_HINT = "values may hold only letters, digits and ._+@- and must not be `.`, `..` or start with `-`"


@dataclass(frozen=True)
class ParamValues:
    """A param's values in the order given, and where they came from (for messages)."""

    name: str
    values: tuple[str, ...]
    origin: str


def load(source: Source, name: str, spec: Any, root: Path) -> ParamValues:
    where = "params"
    if not PARAM_NAME.match(name):
        raise source.error(f"param name `{name}` must match [a-z_][a-z0-9_]* (lower case)", where, name)
    if isinstance(spec, list):
        values = _from_list(source, name, spec)
        origin = f"{source.path} [params] {name}"
    elif isinstance(spec, dict) and set(spec) == {"file"} and isinstance(spec["file"], str):
        values, origin = _from_file(source, name, root / spec["file"])
    elif isinstance(spec, dict) and set(spec) == {"glob"} and isinstance(spec["glob"], str):
        values, origin = _from_glob(source, name, spec["glob"], root)
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
    return ParamValues(name, tuple(values), origin)


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
    for number, line in enumerate(text.splitlines(), 1):
        value = line.split("#", 1)[0].strip()
        if not value:
            continue
        if not is_valid_value(value):
            raise MakegenError(f"value {value!r} of param `{name}` is not allowed in file names "
                               "and commands", file=path, line=number, key=f"[params] {name}",
                               hint=_HINT)
        values.append(value)
    return values, str(path)


def _from_glob(source: Source, name: str, pattern: str, root: Path) -> tuple[list[str], str]:
    try:
        tokens = parse_path(pattern, allow_vars=False)
    except PlaceholderError as exc:
        raise source.error(f"glob {pattern!r}: {exc}", "params", name) from None
    if [t for t in tokens if isinstance(t, Param)] != [Param(name)]:
        raise source.error(f"glob {pattern!r} must hold `{{{name}}}` exactly once and no other "
                           "placeholder", "params", name)
    prefix = "".join(t for t in tokens[: tokens.index(Param(name))] if isinstance(t, str))
    suffix = "".join(t for t in tokens[tokens.index(Param(name)) + 1 :] if isinstance(t, str))
    base = Path(pattern) if pattern.startswith("/") else root / pattern
    glob_text = str(base).replace("{" + name + "}", "*")
    anchor = Path(glob_text.split("*", 1)[0]).parent
    relative = glob_text[len(str(anchor)) + 1 :] if str(anchor) != "/" else glob_text[1:]
    capture = re.compile(re.escape(str(base).replace("{" + name + "}", "\0"))
                         .replace("\\\0", "(.*)").replace("\0", "(.*)") + r"\Z")
    values = []
    for match_path in sorted(anchor.glob(relative)):
        found = capture.match(str(match_path))
        if not found:
            continue
        value = found.group(1)
        if not is_valid_value(value):
            raise source.error(f"glob {pattern!r} matched {match_path}, whose value {value!r} is "
                               f"not allowed in file names and commands", "params", name,
                               hint=_HINT + f"; rename the file or narrow the glob ({prefix}*{suffix})")
        values.append(value)
    return values, f"glob {pattern!r} (matched in {anchor})"
