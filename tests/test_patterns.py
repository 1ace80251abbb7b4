"""Lining up an input with an output template (graph/patterns.py)."""

from __future__ import annotations

from makegen.graph.patterns import Component, Const, FromParam, align, components, expand, regex
from makegen.pipeline.placeholders import parse_path


def comps(text: str) -> list[Component]:
    return components(parse_path(text, allow_vars=False))


def test_same_shape_binds_param_to_param() -> None:
    found = align(comps("b/{s}_{l}.txt"), comps("b/{sample}_{lane}.txt"), False)
    assert found is not None and found.binding == {"sample": FromParam("s"), "lane": FromParam("l")}


def test_literal_binds_constants_and_mismatch_is_none() -> None:
    found = align(comps("b/A_L1.txt"), comps("b/{sample}_{lane}.txt"), False)
    assert found is not None and found.binding == {"sample": Const("A"), "lane": Const("L1")}
    assert align(comps("c/A.txt"), comps("b/{sample}.txt"), False) is None


def test_a_directory_output_matches_paths_inside_it() -> None:
    assert align(comps("d/{s}/f.txt"), comps("d/{s}/"), True) is not None
    assert align(comps("d/{s}/f.txt"), comps("d/{s}/"), False) is None


def test_regex_and_expand() -> None:
    (component,) = comps("{a}-{a}.txt")
    assert regex(component).match("x-x.txt") and not regex(component).match("x-y.txt")
    assert expand(component, {"a": "v"}) == "v-v.txt"
