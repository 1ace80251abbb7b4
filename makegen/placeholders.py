"""Parsing of `{...}` placeholders in paths and commands.

Paths (inputs, outputs) hold `{param}` and, in inputs, `${VAR}`. Commands hold the richer set
of the spec: `{param}`, `{inputs}`, `{inputs.key}`, `{inputs:file}`, `{inputs.key:file}`,
`{outputs}`, `{outputs.key}`, `{tmp}`, `{resources.cores}`; `{{`/`}}` are literal braces and
`${...}` is bash's and passes through untouched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Union

PARAM_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
VAR_NAME = re.compile(r"[A-Z_][A-Z0-9_]*\Z")
TASK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
PARAM_VALUE = re.compile(r"[A-Za-z0-9._+@-]+\Z")
# Characters a path template may hold outside placeholders: Make cannot express white
# space, `:`, `#`, `%` or `$` in targets, and `*?[~` would be taken as wildcards.
PATH_CHARS = re.compile(r"[A-Za-z0-9._+@/=,-]*\Z")
VALUE_CLASS = "[A-Za-z0-9._+@-]+"


@dataclass(frozen=True)
class Param:
    """`{name}` in a path or command."""

    name: str


@dataclass(frozen=True)
class Var:
    """`${NAME}` in an input path: a [vars] setting (or environment variable) at run time."""

    name: str


@dataclass(frozen=True)
class Ref:
    """A command placeholder other than a param: `{inputs.key:file}` and friends."""

    kind: str  # "inputs", "outputs", "tmp", "resources.cores"
    key: Optional[str] = None
    as_file: bool = False


PathToken = Union[str, Param, Var]
CommandToken = Union[str, Param, Ref]


class PlaceholderError(ValueError):
    """A malformed placeholder; the caller adds file and key."""

    def __init__(self, message: str, hint: Optional[str] = None) -> None:
        super().__init__(message)
        self.hint = hint


def is_valid_value(value: str) -> bool:
    return bool(PARAM_VALUE.match(value)) and value not in (".", "..") and not value.startswith("-")


def parse_path(text: str, allow_vars: bool) -> tuple[PathToken, ...]:
    """Split a path template into literal text, `{param}` and (inputs only) `${VAR}`."""
    tokens: list[PathToken] = []
    pos = 0
    for match in re.finditer(r"\$\{([^}]*)\}|\{([^}]*)\}|[{}$]", text):
        literal = text[pos : match.start()]
        if literal:
            tokens.append(literal)
        pos = match.end()
        var, param = match.group(1), match.group(2)
        if var is not None:
            if not allow_vars:
                raise PlaceholderError(f"`${{{var}}}` is not allowed here: outputs live under OUTPUT_DIR")
            if not VAR_NAME.match(var):
                raise PlaceholderError(f"`${{{var}}}` is not a variable name ([A-Z_][A-Z0-9_]*)")
            tokens.append(Var(var))
        elif param is not None:
            if not PARAM_NAME.match(param):
                raise PlaceholderError(
                    f"`{{{param}}}` is not a param placeholder: paths take `{{param}}` with a "
                    "param name of [a-z_][a-z0-9_]*"
                )
            tokens.append(Param(param))
        else:
            raise PlaceholderError(f"stray `{match.group(0)}`: paths take `{{param}}` placeholders only")
    if pos < len(text):
        tokens.append(text[pos:])
    for token in tokens:
        if isinstance(token, str) and not PATH_CHARS.match(token):
            bad = sorted({c for c in token if not PATH_CHARS.match(c)})
            shown = ", ".join(repr(c) for c in bad)
            raise PlaceholderError(
                f"path {text!r} holds {shown}: paths may hold only letters, digits and `._+@/=,-` "
                "(Make cannot express spaces, `:`, `#`, `%`, `$`, and `*?[~` are wildcards)"
            )
    return tuple(tokens)


def path_params(tokens: tuple[PathToken, ...]) -> list[str]:
    """Param names in order of first appearance."""
    seen: list[str] = []
    for token in tokens:
        if isinstance(token, Param) and token.name not in seen:
            seen.append(token.name)
    return seen


_COMMAND_REF = re.compile(
    r"(?P<kind>inputs|outputs)(?:\.(?P<key>[A-Za-z0-9_-]+))?(?P<file>:file)?\Z"
    r"|(?P<tmp>tmp)\Z|(?P<cores>resources\.cores)\Z"
)


def parse_command(text: str) -> tuple[CommandToken, ...]:
    """Split a `run` command into literal text and placeholders."""
    tokens: list[CommandToken] = []
    literal: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if char == "$" and i + 1 < n and text[i + 1] == "{":
            end = _bash_expansion_end(text, i)
            literal.append(text[i : end + 1])
            i = end + 1
        elif text.startswith("{{", i) or text.startswith("}}", i):
            literal.append(char)
            i += 2
        elif char == "{":
            end = text.find("}", i + 1)
            if end < 0:
                raise PlaceholderError("`{` without a closing `}`; write `{{` for a literal brace")
            if literal:
                tokens.append("".join(literal))
                literal = []
            tokens.append(_command_placeholder(text[i + 1 : end]))
            i = end + 1
        elif char == "}":
            raise PlaceholderError("a single `}`; write `}}` for a literal brace")
        else:
            literal.append(char)
            i += 1
    if literal:
        tokens.append("".join(literal))
    return tuple(tokens)


# What may follow `${`: a name, positional or special parameter, optionally after `!` or `#`,
# then the end or an operator (`${a:-x}`, `${a#p}`, `${a[@]}`, ...).
_BASH_EXPANSION = re.compile(r"[!#]?(?:[A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!-])(?:[}:=+?#%/^,\[@-]|\Z)")


def _bash_expansion_end(text: str, start: int) -> int:
    """Index of the `}` closing the `${` at `start` (nested braces count)."""
    depth, i = 0, start + 1
    while i < len(text):
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                break
        i += 1
    if i >= len(text) or not _BASH_EXPANSION.match(text[start + 2 : i + 1]):
        shown = text[start : i + 1] if i < len(text) else text[start:]
        raise PlaceholderError(
            f"`{shown}` is not a bash ${{...}} expansion (bash would stop with \"bad substitution\")",
            hint="close it right after the name, as in ${HOME}; write {{ and }} for literal braces")
    return i


def _command_placeholder(inner: str) -> CommandToken:
    if PARAM_NAME.match(inner) and inner not in ("inputs", "outputs", "tmp"):
        return Param(inner)
    match = _COMMAND_REF.match(inner)
    if match is None:
        raise PlaceholderError(
            f"unknown placeholder `{{{inner}}}`: use {{param}}, {{inputs}}, {{inputs.key}}, "
            "{inputs:file}, {outputs}, {outputs.key}, {tmp} or {resources.cores}; "
            "write `{{` and `}}` for literal braces"
        )
    if match.group("tmp"):
        return Ref("tmp")
    if match.group("cores"):
        return Ref("resources.cores")
    kind = match.group("kind")
    as_file = bool(match.group("file"))
    if as_file and kind == "outputs":
        raise PlaceholderError("`:file` is for inputs only (`{inputs:file}`, `{inputs.key:file}`)")
    return Ref(kind, match.group("key"), as_file)
