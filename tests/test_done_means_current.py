"""Issue 9: "done" must mean "current". Black-box reproductions, one test per case.

Each test asserts what the contract (spec/pipeline-format.md "Re-running" and "Paths",
spec/cli.md and its states) says must happen, through what a user sees: output contents,
how often a command ran (counter files), `status --json` states, `make -n` and exit codes.
Each failed on the code before the fix (they landed first as strict xfails).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Project, cli

# ---------------------------------------------------------------------------- helpers

def age(path: Path, seconds: float) -> None:
    """Give a file an mtime `seconds` in the past (an "old" input)."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def bump(path: Path) -> None:
    """Make a file newer than everything already written (mtime granularity safe)."""
    future = time.time() + 5
    os.utime(path, (future, future))


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def status_json(project: Project) -> dict[str, Any]:
    result = cli("status", "--json", cwd=project.root)
    assert result.exit_code == 0, result.stdout + result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def by_id(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["id"]: i for i in report["instances"]}


def make_verdict(project: Project, instance: dict[str, Any]) -> str:
    """What `make -n` says it would do for an instance: "run", "blocked" or "nothing".

    The task Makefile's recipe is `bash .../tasks/<task>.sh run|blocked NAME=VALUE...`.
    """
    argv = instance["argv"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = subprocess.run([argv[0], "-n", *argv[1:]], cwd=project.root, capture_output=True,
                            text=True, env=clean, check=False)
    task = instance["task"]
    if re.search(rf"tasks/{re.escape(task)}\.sh'?\"? run\b", result.stdout):
        return "run"
    if re.search(rf"tasks/{re.escape(task)}\.sh'?\"? blocked\b", result.stdout):
        return "blocked"
    assert result.returncode == 0, f"make -n failed: {result.stdout}{result.stderr}"
    return "nothing"


def verdict_of_state(state: str) -> str:
    if state == "done":
        return "nothing"
    if state in ("blocked", "waiting"):
        return "blocked"
    return "run"  # outdated, pending, failed, stale


# ---------------------------------------------------------------------- case 1: gathers

GATHER = """
[pipeline]
name = "gather"
output = "results"

[params]
sample = { file = "samples.txt" }

[task.gather]
inputs = { all = "data/{sample}.txt" }
outputs = { out = "all.txt" }
run = "echo gather >> counts/gather; cat {inputs.all} > {outputs.out}"
"""


def gather_project(project: Project, samples: str) -> None:
    project.pipeline(GATHER)
    project.write("samples.txt", samples)
    (project.root / "counts").mkdir()
    for sample in "ABC":
        age(project.write(f"data/{sample}.txt", f"data of {sample}\n"), 3600)
    project.build()
    ok(project.run())


@pytest.mark.parametrize("change", ["removed value", "added value with an old input"])
def test_gather_reruns_when_a_value_is_removed_or_added(project: Project, change: str) -> None:
    before, after = ("A\nB\nC\n", "A\nB\n") if change == "removed value" else ("A\nB\n", "A\nB\nC\n")
    gather_project(project, before)
    assert project.counter("gather") == 1
    project.write("samples.txt", after)
    project.build()
    ok(project.run())
    expected = "".join(f"data of {s}\n" for s in after.split())
    assert (project.results / "all.txt").read_text() == expected
    assert project.counter("gather") == 2


# --------------------------------------------------- case 2: input paths in the recipe

REFS = """
[pipeline]
name = "refs"
output = "results"

[vars]
REF = "data/ref1.txt"

[params]
sample = ["A"]

[task.align]
inputs = {{ reads = "data/{{sample}}.txt", ref = "{ref}" }}
outputs = {{ out = "aligned/{{sample}}.txt" }}
run = "echo align >> counts/align; cat {{inputs.ref}} {{inputs.reads}} > {{outputs.out}}"
"""


@pytest.mark.parametrize("change", ["var default", "input path template"])
def test_input_pointed_at_another_older_file_reruns(project: Project, change: str) -> None:
    first_ref = "${REF}" if change == "var default" else "data/ref1.txt"
    project.pipeline(REFS.format(ref=first_ref))
    (project.root / "counts").mkdir()
    age(project.write("data/A.txt", "reads of A\n"), 3600)
    age(project.write("data/ref1.txt", "ref one\n"), 3600)
    age(project.write("data/ref2.txt", "ref two\n"), 7200)  # older than everything else
    project.build()
    ok(project.run())
    assert (project.results / "aligned/A.txt").read_text() == "ref one\nreads of A\n"
    text = (project.root / "pipeline.toml").read_text()
    if change == "var default":
        project.pipeline(text.replace('REF = "data/ref1.txt"', 'REF = "data/ref2.txt"'))
    else:
        project.pipeline(text.replace('ref = "data/ref1.txt"', 'ref = "data/ref2.txt"'))
    assert (project.root / "pipeline.toml").read_text() != text
    project.build()
    ok(project.run())
    assert (project.results / "aligned/A.txt").read_text() == "ref two\nreads of A\n"
    assert project.counter("align") == 2


# ---------------------------------------- case 3: a file inside a directory output

UNPACK = """
[pipeline]
name = "unpack"
output = "results"

[params]
sample = ["A"]

[task.unpack]
inputs = { archive = "data/{sample}.txt" }
outputs = { d = "unpacked/{sample}/" }
code = ["scripts/unpack.sh"]
run = "echo unpack >> counts/unpack; bash scripts/unpack.sh {inputs.archive} {outputs.d}"

[task.use]
inputs = { f = "unpacked/{sample}/f.txt" }
outputs = { out = "used/{sample}.txt" }
run = "echo use >> counts/use; cat {inputs.f} > {outputs.out}"
"""


def test_reader_of_a_file_in_a_directory_output_reruns_when_its_producer_reruns(
        project: Project) -> None:
    project.pipeline(UNPACK)
    (project.root / "counts").mkdir()
    age(project.write("data/A.txt", "archive of A\n"), 3600)
    project.write("scripts/unpack.sh", 'cp -p "$1" "$2/f.txt"\n')
    project.build()
    ok(project.run())
    assert (project.results / "used/A.txt").read_text() == "archive of A\n"
    # A fix to the unpacker: it writes new contents, but keeps the archive's old mtime on
    # the files it extracts, as `tar x` and `cp -p` do.
    bump(project.write("scripts/unpack.sh",
                       'tr a-z A-Z < "$1" > "$2/f.txt"; touch -r "$1" "$2/f.txt"\n'))
    ok(project.run())
    assert project.counter("unpack") == 2
    assert (project.results / "unpacked/A/f.txt").read_text() == "ARCHIVE OF A\n"
    assert project.counter("use") == 2, "the reader of unpacked/A/f.txt did not re-run"
    assert (project.results / "used/A.txt").read_text() == "ARCHIVE OF A\n"


# ----------------------------------------- case 4: two instances write the same path

CLASH = """
[pipeline]
name = "clash"
output = "results"

[params]
a = ["1_2", "1"]
b = ["2", "2_2"]

[task.t]
outputs = ["x/{a}_{b}"]
run = "echo {a} {b} > {outputs}"
"""


def test_two_instances_writing_one_path_is_a_build_error(project: Project) -> None:
    project.pipeline(CLASH)
    result = cli("build", cwd=project.root)
    assert result.exit_code == 2, result.stdout + result.stderr
    assert result.stderr.startswith("Error:")
    assert "x/1_2_2" in result.stderr
    assert "t[a=1_2,b=2]" in result.stderr and "t[a=1,b=2_2]" in result.stderr
    assert not project.build_dir.exists(), "a failed build writes nothing"
    checked = cli("check", cwd=project.root)
    assert checked.exit_code == 2 and "x/1_2_2" in checked.stderr


# ------------------------------------- case 5: a build older than its pipeline

EDITED = """
[pipeline]
name = "edited"
output = "results"

[params]
sample = { file = "samples.txt" }

[task.say]
inputs = { data = "data/{sample}.txt" }
outputs = { out = "said/{sample}.txt" }
run = "echo {sample} >> counts/say; (echo VERSION; cat {inputs.data}) > {outputs.out}"
"""


@pytest.mark.parametrize("edit", ["pipeline.toml", "samples.txt"])
def test_run_rebuilds_and_status_warns_when_the_pipeline_changed(
        project: Project, edit: str) -> None:
    project.pipeline(EDITED.replace("VERSION", "v1"))
    project.write("samples.txt", "A\nB\n")
    (project.root / "counts").mkdir()
    for sample in "ABC":
        age(project.write(f"data/{sample}.txt", f"data of {sample}\n"), 3600)
    project.build()
    ok(project.run())
    assert project.counter("say") == 2
    if edit == "pipeline.toml":
        project.pipeline(EDITED.replace("VERSION", "v2"))
        changed = ["say[sample=A]", "say[sample=B]"]
    else:
        project.write("samples.txt", "A\nB\nC\n")
        changed = ["say[sample=C]"]
    bump(project.root / edit)
    # status, before anything else, says the build is out of date ...
    text = cli("status", cwd=project.root)
    first_line = (text.stderr + text.stdout).strip().splitlines()[0]
    assert re.search(r"out of date|rebuild", first_line, re.I), text.stderr + text.stdout
    # ... and never reports results of the older pipeline as up to date.
    states = {k: v["state"] for k, v in by_id(status_json(project)).items()}
    assert all(states.get(i) != "done" for i in changed), states
    # run rebuilds first and says so, then runs what the edited pipeline needs.
    result = ok(project.run())
    assert re.search(r"rebuil", result.stdout + result.stderr, re.I), result.stdout
    assert "ran 0" not in result.stdout
    if edit == "pipeline.toml":
        assert (project.results / "said/A.txt").read_text() == "v2\ndata of A\n"
        assert project.counter("say") == 4
    else:
        assert (project.results / "said/C.txt").read_text() == "v1\ndata of C\n"
        assert project.counter("say") == 3
    assert set(v["state"] for v in status_json(project)["instances"]) == {"done"}


# ------------------------------- case 6: values that extend another value's name

PREFIX = """
[pipeline]
name = "prefix"
output = "results"

[params]
sample = ["A", "A.failed2", "A.blockedQC"]

[task.count]
inputs = { data = "data/{sample}.txt" }
outputs = { out = "counted/{sample}.txt" }
run = "echo once >> counts/{sample}; wc -l < {inputs.data} > {outputs.out}"
"""


def test_running_one_value_keeps_the_markers_of_values_extending_its_name(
        project: Project) -> None:
    project.pipeline(PREFIX)
    (project.root / "counts").mkdir()
    samples = ["A", "A.failed2", "A.blockedQC"]
    for sample in samples:
        age(project.write(f"data/{sample}.txt", "x\n"), 3600)
    project.build()
    ok(project.run())
    assert [project.counter(s) for s in samples] == [1, 1, 1]
    os.utime(project.root / "data/A.txt")  # now: newer than A's last run, older than the next
    ok(project.run())
    assert [project.counter(s) for s in samples] == [2, 1, 1]
    states = {k: v["state"] for k, v in by_id(status_json(project)).items()}
    assert states == {f"count[sample={s}]": "done" for s in samples}
    ok(project.run())
    assert [project.counter(s) for s in samples] == [2, 1, 1]


# ------------------------------------------- case 7: status and make must agree

INSIDE = """
[pipeline]
name = "inside"
output = "results"

[params]
sample = ["A"]

[task.unpack]
inputs = {{ archive = "data/{{sample}}.txt" }}
outputs = {{ d = "unpacked/{{sample}}/" }}
run = "cp {{inputs.archive}} {{outputs.d}}/f.txt"

[task.use]
inputs = {{ f = "unpacked/{{sample}}/{name}" }}
outputs = {{ out = "used/{{sample}}.txt" }}
run = "cat {{inputs.f}} > {{outputs.out}}"
"""


def agreement(project: Project) -> dict[str, tuple[str, str]]:
    """Every instance whose status disagrees with make -n: id -> (state, make's verdict)."""
    wrong = {}
    for instance in status_json(project)["instances"]:
        verdict = make_verdict(project, instance)
        if verdict_of_state(instance["state"]) != verdict:
            wrong[instance["id"]] = (instance["state"], verdict)
    return wrong


@pytest.mark.parametrize("situation", ["never written by the producer", "deleted by hand"])
def test_status_agrees_with_make_about_files_inside_directory_outputs(
        project: Project, situation: str) -> None:
    name = "g.txt" if situation == "never written by the producer" else "f.txt"
    project.pipeline(INSIDE.format(name=name))
    project.write("data/A.txt", "archive of A\n")
    project.build()
    if situation == "never written by the producer":
        ok(project.make("unpack", "sample=A"))
    else:
        ok(project.run())
        (project.results / "unpacked/A/f.txt").unlink()
    use = by_id(status_json(project))["use[sample=A]"]
    assert make_verdict(project, use) == "blocked"
    assert use["state"] == "blocked", use
    assert agreement(project) == {}


# ------------------------------------------- case 8: waiting is not blocked

FRESH = """
[pipeline]
name = "fresh"
output = "results"

[params]
sample = ["A", "B"]

[task.first]
inputs = ["data/{sample}.txt"]
outputs = ["first/{sample}.txt"]
run = "cat {inputs} > {outputs}"

[task.second]
inputs = ["first/{sample}.txt"]
outputs = ["second/{sample}.txt"]
run = "cat {inputs} > {outputs}"

[task.all]
inputs = ["second/{sample}.txt"]
outputs = ["all.txt"]
run = "cat {inputs} > {outputs}"
"""


def test_fresh_pipeline_shows_waiting_not_blocked(project: Project) -> None:
    project.pipeline(FRESH)
    for sample in "AB":
        project.write(f"data/{sample}.txt", f"{sample}\n")
    project.build()
    report = status_json(project)
    assert report["summary"]["pending"] == 2
    assert report["summary"]["waiting"] == 3
    assert report["summary"]["blocked"] == 0
    states = {k: v["state"] for k, v in by_id(report).items()}
    assert states == {"first[sample=A]": "pending", "first[sample=B]": "pending",
                      "second[sample=A]": "waiting", "second[sample=B]": "waiting",
                      "all": "waiting"}
    table = cli("status", cwd=project.root).stdout
    header = next(line for line in table.splitlines() if line.strip().startswith("task"))
    assert "waiting" in header.split()
    row = next(line for line in table.splitlines() if line.strip().startswith("second "))
    columns = header.split()
    assert row.split()[columns.index("waiting")] == "2", table
    assert "blocked (" not in table
