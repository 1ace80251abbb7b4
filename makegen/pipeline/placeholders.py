"""The `{...}` placeholders of paths and commands: their registry and their parsers.

Paths (inputs, outputs) hold `{param}` and, in inputs, `${VAR}`. Commands hold `{param}` and
the placeholders of `COMMAND_PLACEHOLDERS`; `{{`/`}}` are literal braces and `${...}` is
bash's and passes through untouched. To add a command placeholder, add it to the registry
here (the parser and the messages follow) and its rendering to `emit/script.py`'s table
(a test checks that every registered placeholder renders).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional, Union

from .names import PARAM_NAME, PATH_CHARS, VAR_NAME


@dataclass(frozen=True)
class Param:
    """`{name}` in a path or command."""

    name: str


@dataclass(frozen=True)
class Var:
    """`${NAME}` in an input path: a [vars] setting (or environment variable) at run time."""

    name: str


@dataclass(frozen=True)
class Placeholder:
    """A kind of command placeholder other than `{param}`."""

    name: str  # as written between the braces, before any `.key` or `:file`
    keyed: bool = False  # takes `.key`: one named entry of a table of paths
    as_file: bool = False  # takes `:file`: a file listing the paths
    about: str = ""  # what it stands for, in the format reference

    @property
    def spellings(self) -> tuple[str, ...]:
        forms = [f"{{{self.name}}}"]
        if self.keyed:
            forms.append(f"{{{self.name}.key}}")
        if self.as_file:
            forms.append(f"{{{self.name}:file}}")
        return tuple(forms)

    @property
    def file_spellings(self) -> tuple[str, ...]:
        if not self.as_file:
            return ()
        return (f"{{{self.name}:file}}",) + ((f"{{{self.name}.key:file}}",) if self.keyed else ())


COMMAND_PLACEHOLDERS: dict[str, Placeholder] = {p.name: p for p in (
    Placeholder("inputs", keyed=True, as_file=True, about="input paths (a gather: every value's)"),
    Placeholder("outputs", keyed=True, about="output paths, in the temporary directory"),
    Placeholder("tmp", about="a scratch directory on the output filesystem, removed afterwards"),
    Placeholder("scratch", about="a node-local folder (under $TMPDIR), removed afterwards"),
    Placeholder("resources.cores", about="the cores the task asks for"),
    Placeholder("resources.gpus", about="the GPUs the task asks for"),
)}


def spelled_placeholders() -> list[str]:
    """Every command placeholder as a user writes it, for messages."""
    return ["{param}"] + [form for p in COMMAND_PLACEHOLDERS.values() for form in p.spellings]


def or_list(items: list[str]) -> str:
    """`a, b or c`."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


@dataclass(frozen=True)
class Ref:
    """A command placeholder other than a param: `{inputs.key:file}` and friends."""

    kind: str  # a key of COMMAND_PLACEHOLDERS
    key: Optional[str] = None
    as_file: bool = False


PathToken = Union[str, Param, Var]
CommandToken = Union[str, Param, Ref]


class PlaceholderError(ValueError):
    """A malformed placeholder; the caller adds file and key."""

    def __init__(self, message: str, hint: Optional[str] = None) -> None:
        super().__init__(message)
        self.hint = hint


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
            takes = "`{param}` and `${VAR}` placeholders" if allow_vars else "`{param}` placeholders"
            raise PlaceholderError(f"stray `{match.group(0)}` in {text!r}: paths take {takes} only")
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
    r"(?P<kind>" + "|".join(re.escape(n) for n in COMMAND_PLACEHOLDERS) + r")"
    r"(?:\.(?P<key>[A-Za-z0-9_-]+))?(?P<file>:file)?\Z")


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
    if PARAM_NAME.match(inner) and inner not in COMMAND_PLACEHOLDERS:
        return Param(inner)
    match = _COMMAND_REF.match(inner)
    if match is None:
        raise PlaceholderError(
            f"unknown placeholder `{{{inner}}}`: use {or_list(spelled_placeholders())}; "
            "write `{{` and `}}` for literal braces"
        )
    kind = COMMAND_PLACEHOLDERS[match.group("kind")]
    key, as_file = match.group("key"), bool(match.group("file"))
    if key is not None and not kind.keyed:
        raise PlaceholderError(f"`{{{inner}}}`: {{{kind.name}}} takes no `.key`")
    if as_file and not kind.as_file:
        takers = [p for p in COMMAND_PLACEHOLDERS.values() if p.as_file]
        raise PlaceholderError(
            f"`:file` is for {or_list([p.name for p in takers])} only ("
            + ", ".join(f"`{form}`" for p in takers for form in p.file_spellings) + ")")
    return Ref(kind.name, key, as_file)
