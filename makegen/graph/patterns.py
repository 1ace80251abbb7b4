"""Lining up two path templates: can an input (or output) of one task be an output of another?

Templates are compared component by component (split on `/`, which no value may hold). Two
components line up when they are the same text, when they have the same literal skeleton
(so placeholder i of one is placeholder i of the other), or when one of them is plain text
that the other's pattern matches. Anything else is "tangled": the caller decides by trying
the concrete values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Union

from ..pipeline.names import VALUE_CLASS
from ..pipeline.placeholders import Param, PathToken, Var

Component = tuple[Union[str, Param], ...]


@dataclass(frozen=True)
class FromParam:
    """The producer's param takes the value of this param of the other side."""

    name: str


@dataclass(frozen=True)
class Const:
    value: str


Source = Union[FromParam, Const]


@dataclass
class Alignment:
    """How the other side's values fix the producer's params, and what they must equal."""

    binding: dict[str, Source] = field(default_factory=dict)
    # param of the other side -> the only value for which the paths can meet
    required: dict[str, str] = field(default_factory=dict)
    # (other side's component, producer's component) pairs that need concrete values
    tangled: list[tuple[Component, Component]] = field(default_factory=list)


def components(tokens: tuple[PathToken, ...]) -> list[Component]:
    """Split a template into `/`-separated components (a trailing `/` adds nothing)."""
    result: list[list[Union[str, Param]]] = [[]]
    for token in tokens:
        if isinstance(token, Var):
            raise ValueError("templates with ${VAR} are never matched against outputs")
        if isinstance(token, Param):
            result[-1].append(token)
            continue
        pieces = token.split("/")
        for index, piece in enumerate(pieces):
            if index:
                result.append([])
            if piece:
                result[-1].append(piece)
    if result and not result[-1] and len(result) > 1:
        result.pop()
    return [tuple(c) for c in result]


def skeleton(component: Component) -> tuple[tuple[str, ...], int]:
    """The literal pieces between placeholders, and the number of placeholders."""
    pieces, current, count = [], "", 0
    for token in component:
        if isinstance(token, Param):
            pieces.append(current)
            current = ""
            count += 1
        else:
            current += token
    pieces.append(current)
    return tuple(pieces), count


def regex(component: Component) -> re.Pattern[str]:
    """A regex for the strings a component can be; a repeated param must repeat its value."""
    parts, seen = [], set()
    for token in component:
        if isinstance(token, Param):
            if token.name in seen:
                parts.append(f"(?P={token.name})")
            else:
                parts.append(f"(?P<{token.name}>{VALUE_CLASS})")
                seen.add(token.name)
        else:
            parts.append(re.escape(token))
    return re.compile("".join(parts) + r"\Z")


def literal(component: Component) -> Optional[str]:
    if all(isinstance(t, str) for t in component):
        return "".join(t for t in component if isinstance(t, str))
    return None


def align(other: list[Component], producer: list[Component], producer_is_dir: bool) -> Optional[Alignment]:
    """Line up a path (of another task) with a producer's output template.

    Returns None when no values can make them meet. A directory output also matches every
    path inside it.
    """
    if len(other) != len(producer) and not (producer_is_dir and len(other) > len(producer)):
        return None
    result = Alignment()
    for mine, theirs in zip(other, producer):
        if not _align_component(mine, theirs, result):
            return None
    return result


def _align_component(mine: Component, theirs: Component, result: Alignment) -> bool:
    mine_text, theirs_text = literal(mine), literal(theirs)
    if mine_text is not None and theirs_text is not None:
        return mine_text == theirs_text
    if mine_text is not None:
        found = regex(theirs).match(mine_text)
        if not found:
            return False
        return all(_bind(result, name, Const(value)) for name, value in found.groupdict().items())
    if theirs_text is not None:
        found = regex(mine).match(theirs_text)
        if not found:
            return False
        for name, value in found.groupdict().items():
            if result.required.setdefault(name, value) != value:
                return False
        return True
    if not _ends_agree(mine, theirs):
        return False
    (mine_pieces, mine_count), (theirs_pieces, theirs_count) = skeleton(mine), skeleton(theirs)
    if mine_pieces == theirs_pieces and mine_count == theirs_count:
        mine_params = [t for t in mine if isinstance(t, Param)]
        theirs_params = [t for t in theirs if isinstance(t, Param)]
        return all(_bind(result, p.name, FromParam(m.name)) for m, p in zip(mine_params, theirs_params))
    result.tangled.append((mine, theirs))
    return True


def _bind(result: Alignment, name: str, source: Source) -> bool:
    known = result.binding.setdefault(name, source)
    return known == source


def _ends_agree(a: Component, b: Component) -> bool:
    """Cheap rejection: the literal text before the first and after the last placeholder."""
    def head(c: Component) -> str:
        return c[0] if c and isinstance(c[0], str) else ""

    def tail(c: Component) -> str:
        return c[-1] if c and isinstance(c[-1], str) else ""

    ha, hb, ta, tb = head(a), head(b), tail(a), tail(b)
    n, m = min(len(ha), len(hb)), min(len(ta), len(tb))
    return ha[:n] == hb[:n] and (m == 0 or ta[-m:] == tb[-m:])


def expand(component: Component, values: dict[str, str]) -> str:
    return "".join(values[t.name] if isinstance(t, Param) else t for t in component)
