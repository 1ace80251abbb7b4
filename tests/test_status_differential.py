"""Differential property test: `makegen status` against the generated Makefiles (issue 9).

The contract (pipeline-format.md, "Re-running"): for every instance, status says `done`
exactly when `make -f build/tasks/<task>.mk ...` would do nothing. Here hypothesis drives a
small pipeline (a map, a directory output, a gather; three tasks) through random sequences
of what users do: run, run -k with an injected failure, touch an input, delete an output or
a file inside a directory output, change a `run`, change a var default, add or remove a
value, rebuild. After every step, for every instance, it compares status's state with what
`make -n` (status's own `argv` plus `-n`) says it would do:

    make -n runs `tasks/<task>.sh run`      <-> outdated, pending, failed or stale
    make -n runs `tasks/<task>.sh blocked`  <-> blocked or waiting
    make -n runs nothing                    <-> done

Only the CLI, files on disk and `make` are used; no makegen internals.

Profiles (environment variable MAKEGEN_HYPOTHESIS_PROFILE):
    (unset) or "ci"  a few short sequences, well under a minute;
    "long"           many longer sequences, for hunting (minutes to an hour).
The examples are derandomized, so a failure in CI is reproducible as it is.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conftest import Project, cli
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

PROFILE = os.environ.get("MAKEGEN_HYPOTHESIS_PROFILE", "ci")
if PROFILE not in ("ci", "long"):
    raise ValueError(f"MAKEGEN_HYPOTHESIS_PROFILE={PROFILE!r}: say ci or long")
# ci: 8 examples, about 4 s each on 2 busy cores; no shrinking (a failure is reported as found,
# rerun with the long profile for the smallest sequence).
MAX_EXAMPLES, MAX_STEPS = {"ci": (8, 5), "long": (300, 12)}[PROFILE]
PHASES = ([Phase.explicit, Phase.generate] if PROFILE == "ci"
          else [Phase.explicit, Phase.generate, Phase.shrink])

SAMPLES = ("A", "B", "C")
GREETINGS = ("hello", "bonjour")
REFS = ("data/ref1.txt", "data/ref2.txt")

PIPELINE = """
[pipeline]
name = "differential"
output = "results"

[vars]
GREETING = "{greeting}"
REF = "{ref}"

[params]
sample = {{ file = "samples.txt" }}

[task.map]
inputs = {{ r = "data/{{sample}}.txt", ref = "${{REF}}" }}
outputs = {{ o = "m/{{sample}}.txt" }}
run = "test ! -e fail/map-{{sample}}; cat {{inputs.r}} {{inputs.ref}} > {{outputs.o}}; : v{map}"

[task.unpack]
inputs = {{ m = "m/{{sample}}.txt" }}
outputs = {{ d = "unpacked/{{sample}}/" }}
run = "test ! -e fail/unpack-{{sample}}; cp -p {{inputs.m}} {{outputs.d}}/f.txt; echo x > {{outputs.d}}/g.txt; : v{unpack}"

[task.gather]
inputs = {{ f = "unpacked/{{sample}}/f.txt" }}
outputs = {{ o = "all.txt" }}
run = "test ! -e fail/gather; echo ${{GREETING}} > {{outputs.o}}; cat {{inputs.f}} >> {{outputs.o}}; : v{gather}"
"""


@dataclass
class World:
    """What the pipeline file says now (it may be ahead of the build until a rebuild)."""

    project: Project
    values: tuple[str, ...] = ("A", "B")
    greeting: int = 0
    ref: int = 0
    versions: dict[str, int] = field(default_factory=lambda: {"map": 1, "unpack": 1, "gather": 1})
    log: list[str] = field(default_factory=list)

    def write_pipeline(self) -> None:
        self.project.pipeline(PIPELINE.format(greeting=GREETINGS[self.greeting],
                                              ref=REFS[self.ref], **self.versions))
        self.project.write("samples.txt", "".join(f"{v}\n" for v in self.values))


def setup(root: Path) -> World:
    project = Project(root)
    world = World(project)
    world.write_pipeline()
    old = time.time() - 3600
    for sample in SAMPLES:
        path = project.write(f"data/{sample}.txt", f"data of {sample}\n")
        os.utime(path, (old, old))
    for i, ref in enumerate(REFS):
        path = project.write(ref, f"reference {i + 1}\n")
        os.utime(path, (old - 100 * i, old - 100 * i))
    (root / "fail").mkdir()
    project.build()
    return world


# ------------------------------------------------------------------- the operations

def run(world: World, *args: str) -> None:
    result = world.project.run(*args)
    assert result.returncode in (0, 1), result.stdout + result.stderr


def apply(world: World, op: tuple[Any, ...]) -> None:
    project, results = world.project, world.project.results
    kind = op[0]
    if kind == "run":
        run(world)
    elif kind == "run_k_failing":
        _, task, sample = op
        flag = project.root / "fail" / (task if task == "gather" else f"{task}-{sample}")
        flag.touch()
        try:
            run(world, "-k")
        finally:
            flag.unlink()
    elif kind == "touch":
        path = project.root / op[1]
        os.utime(path)  # now: newer than every run so far, never in the future
    elif kind == "delete_output":
        path = results / op[1]
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    elif kind == "delete_inside":
        path = results / op[1]
        if path.exists():
            path.unlink()
    elif kind == "change_run":
        world.versions[op[1]] += 1
        world.write_pipeline()
    elif kind == "change_var":
        if op[1] == "GREETING":
            world.greeting = 1 - world.greeting
        else:
            world.ref = 1 - world.ref
        world.write_pipeline()
    elif kind == "values":
        world.values = op[1]
        world.write_pipeline()
    elif kind == "rebuild":
        result = cli("build", cwd=project.root)
        assert result.exit_code == 0, result.stdout + result.stderr
    else:  # pragma: no cover
        raise AssertionError(op)


samples = st.sampled_from(SAMPLES)
OPS = st.one_of(
    st.just(("run",)),
    st.tuples(st.just("run_k_failing"), st.sampled_from(("map", "unpack", "gather")), samples),
    st.tuples(st.just("touch"), st.sampled_from([f"data/{s}.txt" for s in SAMPLES] + list(REFS))),
    st.tuples(st.just("delete_output"),
              st.sampled_from([f"m/{s}.txt" for s in SAMPLES]
                              + [f"unpacked/{s}" for s in SAMPLES] + ["all.txt"])),
    st.tuples(st.just("delete_inside"),
              st.sampled_from([f"unpacked/{s}/{f}" for s in SAMPLES for f in ("f.txt", "g.txt")])),
    st.tuples(st.just("change_run"), st.sampled_from(("map", "unpack", "gather"))),
    st.tuples(st.just("change_var"), st.sampled_from(("GREETING", "REF"))),
    st.tuples(st.just("values"),
              st.sampled_from([("A",), ("A", "B"), ("A", "C"), ("B", "C"), ("A", "B", "C")])),
    st.just(("rebuild",)),
)


# --------------------------------------------------------- status against make -n

def make_verdict(project: Project, instance: dict[str, Any]) -> str:
    """What `make -n` (status's argv plus -n) would do: "run", "blocked" or "nothing"."""
    argv = instance["argv"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = subprocess.run([argv[0], "-n", *argv[1:]], cwd=project.root, capture_output=True,
                            text=True, env=clean, check=False)
    task = re.escape(instance["task"])
    if re.search(rf"tasks/{task}\.sh'?\"? run\b", result.stdout):
        return "run"
    if re.search(rf"tasks/{task}\.sh'?\"? blocked\b", result.stdout):
        return "blocked"
    assert result.returncode == 0, f"make -n {argv}: {result.stdout}{result.stderr}"
    return "nothing"


VERDICT = {"done": "nothing", "blocked": "blocked", "waiting": "blocked",
           "outdated": "run", "pending": "run", "failed": "run", "stale": "run"}


def disagreements(world: World) -> list[str]:
    result = cli("status", "--json", cwd=world.project.root)
    assert result.exit_code == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    if report["out_of_date"]:
        # The pipeline changed since the build: make -f runs the old one, and status must
        # say so and report nothing of the old pipeline as done (run rebuilds first).
        return [f"{i['id']}: done in an out-of-date build" for i in report["instances"]
                if i["state"] == "done"]
    wrong = []
    for instance in report["instances"]:
        state = instance["state"]
        assert state in VERDICT, f"{instance['id']} is {state} though nothing is running"
        verdict = make_verdict(world.project, instance)
        if VERDICT[state] != verdict:
            wrong.append(f"{instance['id']}: status {state} ({instance.get('reason', '')}), "
                         f"make -n {verdict}")
    return wrong


def check(world: World) -> None:
    wrong = disagreements(world)
    assert not wrong, "after " + " -> ".join(world.log) + ":\n  " + "\n  ".join(wrong)


@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=PHASES, suppress_health_check=list(HealthCheck), print_blob=False)
@given(ops=st.lists(OPS, min_size=1, max_size=MAX_STEPS))
# The smallest counterexamples found so far, always tried first:
# an outdated upstream: status says the reader is blocked, make -n would do nothing.
@example(ops=[("run",), ("touch", "data/A.txt")])
# a file deleted by hand inside a done directory output: status done, make -n blocked.
@example(ops=[("run",), ("delete_inside", "unpacked/A/f.txt")])
def test_status_says_done_exactly_when_make_would_do_nothing(ops: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory(prefix="makegen-diff-") as tmp:
        world = setup(Path(tmp) / "proj")
        world.log.append("build")
        check(world)
        for op in ops:
            apply(world, op)
            world.log.append(" ".join(str(x) for x in op))
            check(world)
