"""Gathers of real size: past the 128 KiB limit of one argument, and list files."""

from __future__ import annotations

from conftest import Project

N = 20_000

GATHER = """
[pipeline]
name = "big"

[params]
sample = { file = "samples.txt" }

[task.catall]
inputs = { parts = "data/{sample}.txt" }
outputs = ["all.txt"]
run = "cat {inputs} > {outputs}"

[task.listed]
inputs = { parts = "data/{sample}.txt" }
outputs = { merged = "listed.txt", count = "count.txt" }
run = "xargs cat < {inputs.parts:file} > {outputs.merged}; wc -l < {inputs:file} > {outputs.count}"
"""


def test_cat_over_20000_inputs_and_a_list_file(project: Project) -> None:
    names = [f"sample-with-a-longish-name-{i:05d}" for i in range(N)]
    project.write("samples.txt", f"# {N} samples\n" + "\n".join(names) + "\n")
    data = project.root / "data"
    data.mkdir()
    for name in names:
        (data / f"{name}.txt").write_text(name + "\n")
    project.pipeline(GATHER)
    project.build()
    # The paths alone are several times what one argument (bash -c TEXT) may hold.
    assert sum(len(str(data)) + len(n) + 6 for n in names) > 5 * 128 * 1024
    for task, output in (("catall", "all.txt"), ("listed", "listed.txt")):
        result = project.make(task)
        assert result.returncode == 0, result.stderr[-2000:]
        assert (project.results / output).read_text().splitlines() == names
    assert (project.results / "count.txt").read_text().strip() == str(N)
