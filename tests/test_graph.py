"""Producers, gathers, bindings, cycles, duplicate outputs and phases."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from makegen.errors import MakegenError
from makegen.graph import TaskGraph, build_graph
from makegen.graph.patterns import Const, FromParam
from makegen.graph.text import instance_edges, render_graph
from makegen.pipeline.load import load


def graph_of(tmp_path: Path, text: str) -> TaskGraph:
    path = tmp_path / "pipeline.toml"
    path.write_text(textwrap.dedent(text))
    return build_graph(load(path))


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(MakegenError) as info:
        graph_of(tmp_path, text)
    return info.value.render()


HEAD = """
[pipeline]
name = "t"
[params]
sample = ["A", "B"]
lane = ["L1", "L2", "L3"]
"""


def test_same_template_binds_param_to_param_and_gathers_the_rest(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, HEAD + """
        [task.map]
        outputs = ["m/{sample}/{lane}.bam"]
        run = "true"
        [task.merge]
        inputs = ["m/{sample}/{lane}.bam"]
        outputs = ["merged/{sample}.bam"]
        run = "true"
    """)
    link = graph.nodes["merge"].inputs[0]
    assert link.producer == "map"
    assert link.binding == (("sample", FromParam("sample")), ("lane", FromParam("lane")))
    assert link.gathered == ("lane",)
    assert [n.phase for n in graph.nodes.values()] == [1, 2]
    assert graph.total() == 6 + 2
    edges = set(instance_edges(graph))
    assert ("map[sample=A,lane=L3]", "merge[sample=A]") in edges
    assert ("map[sample=B,lane=L1]", "merge[sample=A]") not in edges
    assert len(edges) == 6


def test_literal_input_picks_one_instance(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, HEAD + """
        [task.map]
        outputs = ["m/{sample}.bam"]
        run = "true"
        [task.use]
        inputs = ["m/B.bam"]
        outputs = ["use.txt"]
        run = "true"
    """)
    assert graph.nodes["use"].inputs[0].binding == (("sample", Const("B")),)
    assert set(instance_edges(graph)) == {("map[sample=B]", "use")}


def test_input_inside_a_directory_output_depends_on_it(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, HEAD + """
        [task.index]
        outputs = ["idx/{sample}/"]
        run = "true"
        [task.query]
        foreach = ["sample"]
        inputs = ["idx/{sample}/part.1"]
        outputs = ["q/{sample}.txt"]
        run = "true"
    """)
    assert graph.nodes["query"].inputs[0].producer == "index"


def test_a_param_with_a_subset_of_the_values_lines_up(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, HEAD + """
        s = ["B"]
        [task.map]
        outputs = ["m/{sample}.bam"]
        run = "true"
        [task.use]
        inputs = ["m/{s}.bam"]
        outputs = ["u/{s}.txt"]
        run = "true"
    """)
    assert graph.nodes["use"].inputs[0].binding == (("sample", FromParam("s")),)
    assert set(instance_edges(graph)) == {("map[sample=B]", "use[s=B]")}


def test_unrelated_names_are_external_files(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, HEAD + """
        [task.map]
        outputs = ["m/{sample}.bam"]
        run = "true"
        [task.use]
        inputs = ["m/{sample}.bam.bai", "${REF}", "/abs/file"]
        outputs = ["u/{sample}.txt"]
        run = "true"
    """)
    assert [link.producer for link in graph.nodes["use"].inputs] == [None, None, None]
    assert graph.nodes["use"].phase == 1


def test_cycle_is_reported_as_the_cycle(tmp_path: Path) -> None:
    message = error_of(tmp_path, HEAD + """
        [task.a]
        inputs = ["b.txt"]
        outputs = ["a.txt"]
        run = "true"
        [task.b]
        inputs = ["a.txt"]
        outputs = ["b.txt"]
        run = "true"
    """)
    assert "a -> b -> a" in message or "b -> a -> b" in message


def test_after_orders_and_counts_in_the_cycle(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, HEAD + """
        [task.a]
        outputs = ["a/{sample}.txt"]
        run = "true"
        [task.b]
        after = ["a"]
        outputs = ["b.txt"]
        run = "true"
    """)
    assert graph.nodes["b"].phase == 2
    assert set(instance_edges(graph)) == {("a[sample=A]", "b"), ("a[sample=B]", "b")}


def test_two_producers_of_one_path_name_both_tasks(tmp_path: Path) -> None:
    message = error_of(tmp_path, HEAD + """
        [task.one]
        outputs = ["x/{sample}.txt"]
        run = "true"
        [task.two]
        outputs = ["x/B.txt"]
        run = "true"
    """)
    assert "task one" in message and "task two" in message and "x/B.txt" in message


def test_pinned_phase_moves_dependents(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, HEAD + """
        [task.a]
        outputs = ["a.txt"]
        phase = 3
        run = "true"
        [task.b]
        inputs = ["a.txt"]
        outputs = ["b.txt"]
        run = "true"
        [task.c]
        outputs = ["c.txt"]
        run = "true"
    """)
    # phase = 3 needs three tasks (issue 11: a phase beyond the number of tasks is refused)
    assert (graph.nodes["a"].phase, graph.nodes["b"].phase) == (3, 4)
    assert graph.phases == [["c"], [], ["a"], ["b"]]


def test_million_instances_are_counted_not_listed(tmp_path: Path) -> None:
    values = ", ".join(f'"v{i}"' for i in range(1000))
    graph = graph_of(tmp_path, f"""
        [pipeline]
        name = "big"
        [params]
        x = [{values}]
        y = [{values}]
        [task.t]
        outputs = ["o/{{x}}/{{y}}.txt"]
        run = "true"
    """)
    assert graph.total() == 1_000_000


@pytest.mark.parametrize("fmt", ["dot", "mermaid"])
def test_graph_text_names_tasks_and_edges(tmp_path: Path, fmt: str) -> None:
    graph = graph_of(tmp_path, HEAD + """
        [task.a]
        outputs = ["a/{sample}.txt"]
        run = "true"
        [task.b]
        inputs = ["a/{sample}.txt"]
        outputs = ["b.txt"]
        run = "true"
    """)
    text = render_graph(graph, fmt, instances=False)
    assert "a (2, phase 1)" in text and "b (1, phase 2)" in text
    if fmt == "dot":
        assert text.startswith('digraph "t" {')
        assert '  "a" -> "b" [label="input \'a/{sample}.txt\'"];' in text.splitlines()
    else:
        assert text.startswith("flowchart LR\n")
        assert '  n0 -->|"input \'a/{sample}.txt\'"| n1' in text.splitlines()
    instances = render_graph(graph, fmt, instances=True)
    assert "a[sample=B]" in instances


def test_an_edge_names_every_input_behind_it(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, HEAD + """
        [task.a]
        outputs = { x = "a/{sample}.txt", y = "a/{sample}.log" }
        run = "true"
        [task.b]
        inputs = { x = "a/{sample}.txt", y = "a/{sample}.log" }
        outputs = ["b/{sample}.txt"]
        after = ["a"]
        run = "true"
    """)
    text = render_graph(graph, "dot", instances=False)
    assert '  "a" -> "b" [label="input \'a/{sample}.txt\', input \'a/{sample}.log\', after"];' in text.splitlines()
