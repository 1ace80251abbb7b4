"""graph.json's typed model (contract/buildfile.py): round trip, and refusal of other files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Project

from makegen.contract.buildfile import Binding, BuildFile, InputSpec, ResourceSpec, TaskSpec, read_build
from makegen.contract.layout import GRAPH_FORMAT, instance_id, instance_key, key_values
from makegen.errors import MakegenError

SPEC = BuildFile(
    pipeline="p", params=("s", "l"),
    tasks=(
        TaskSpec(name="a", phase=1, count=4, foreach=("s", "l"), recipe_hash="0123456789abcdef",
                 outputs=("a/{s}_{l}.txt", "d/{s}_{l}/"), inputs=(), code=("x.sh",), after=(),
                 resources=ResourceSpec(cores=2, mem_mb=512, time_s=60, queue="q",
                                        extra=(("sge", "-l x=1"), ("slurm", "--qos=y")))),
        TaskSpec(name="b", phase=2, count=2, foreach=("s",), recipe_hash="fedcba9876543210",
                 outputs=("b/{s}.txt",),
                 inputs=(InputSpec("a/{s}_{l}.txt", "a", (Binding("s", "s"), Binding("l", "l")), ("l",)),
                         InputSpec("${REF}", None, (), ()),
                         InputSpec("a/{s}_L1.txt", "a", (Binding("s", "s"), Binding("l", const="L1")), ())),
                 code=(), after=("a",), resources=ResourceSpec()),
    ),
    edges=(("a", "b"),),
)


def test_round_trip_is_exact() -> None:
    assert BuildFile.from_json(SPEC.to_json()) == SPEC
    assert json.loads(SPEC.to_json())["format"] == GRAPH_FORMAT


@pytest.mark.parametrize("damage", [
    lambda d: d.update(format=1),
    lambda d: d.pop("tasks"),
    lambda d: d["tasks"][0].update(phase="x"),
    lambda d: d["tasks"][0].update(outputs=[5]),
    lambda d: d["tasks"][0]["resources"].update(extra="x"),
])
def test_other_documents_are_refused(damage: object, tmp_path: Path) -> None:
    document = json.loads(SPEC.to_json())
    damage(document)  # type: ignore[operator]
    (tmp_path / "graph.json").write_text(json.dumps(document))
    with pytest.raises(MakegenError, match="graph.json is not one this makegen wrote"):
        read_build(tmp_path)


def test_ids_and_keys() -> None:
    assert instance_key(("A", "L1")) == "A,L1" and instance_key(()) == "_"
    assert key_values("A,L1", ("s", "l")) == ("A", "L1") and key_values("_", ()) == ()
    assert instance_id("t", ("s", "l"), ("A", "L1")) == "t[s=A,l=L1]" and instance_id("t", (), ()) == "t"


def test_what_emit_writes_reads_back(project: Project) -> None:
    project.pipeline("""
        [pipeline]
        name = "rt"
        [params]
        s = ["A", "B"]
        [task.a]
        outputs = ["a/{s}.txt"]
        run = "echo {s} > {outputs}"
        [task.b]
        inputs = ["a/{s}.txt"]
        outputs = ["b.txt"]
        run = "cat {inputs} > {outputs}"
    """)
    project.build()
    build = read_build(project.build_dir)
    assert [t.name for t in build.file.tasks] == ["a", "b"]
    assert build.tasks["b"].inputs[0].producer == "a" and build.tasks["b"].inputs[0].gathered == ("s",)
    assert build.param_values("s") == ["A", "B"]
    assert build.path(build.tasks["a"].manifest).read_text() == "a s=A\na s=B\n"
