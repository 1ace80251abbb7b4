#!/usr/bin/env python3
"""Time `makegen status` on the standard shape with every instance done.

Builds the standard pipeline (per sample: 3 chained tasks, then one gather over all samples)
for N samples, writes the files a finished run leaves (inputs, outputs, start and success
markers, with the mtimes a real run gives them) without running 3N+1 commands, then times
`makegen status` (table) and `makegen status --json`: wall clock and peak RSS, best of R.

    python benchmarks/status.py [--samples 33333] [--repeat 3] [--workdir benchmarks/work/status]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MAKEGEN = Path(sys.executable).parent / "makegen"
PIPELINE = """\
[pipeline]
name = "bench"
[params]
sample = { file = "samples.txt" }
[task.a]
inputs = ["data/{sample}.txt"]
outputs = ["a/{sample}.txt"]
run = "cat {inputs} > {outputs}"
[task.b]
inputs = ["a/{sample}.txt"]
outputs = ["b/{sample}.txt"]
run = "cat {inputs} > {outputs}"
[task.c]
inputs = ["b/{sample}.txt"]
outputs = ["c/{sample}.txt"]
run = "cat {inputs} > {outputs}"
[task.d]
inputs = ["c/{sample}.txt"]
outputs = ["all.txt"]
run = "cat {inputs:file} > {outputs}"
"""


def touch(path: Path, when: float, text: str = "") -> None:
    path.write_text(text)
    os.utime(path, (when, when))


def synthesize(work: Path, samples: int) -> None:
    """A pipeline whose every instance finished, as the job scripts would have left it."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    names = [f"s{i:07d}" for i in range(samples)]
    (work / "samples.txt").write_text("\n".join(names) + "\n")
    (work / "pipeline.toml").write_text(PIPELINE)
    subprocess.run([str(MAKEGEN), "build"], cwd=work, check=True, stdout=subprocess.DEVNULL)
    graph = json.loads((work / "build" / "graph.json").read_text())
    hashes = {t["name"]: t["hash"] for t in graph["tasks"]}
    results, base = work / "results", time.time() - 3600
    (work / "data").mkdir()
    for name in names:
        touch(work / "data" / f"{name}.txt", base, name)
    for step, task in enumerate("abcd", 1):
        state = results / ".makegen" / "state" / task
        state.mkdir(parents=True)
        keys = names if task != "d" else ["_"]
        outputs = [results / task / f"{n}.txt" for n in names] if task != "d" else [results / "all.txt"]
        outputs[0].parent.mkdir(parents=True, exist_ok=True)
        when = base + step * 60
        for key, output in zip(keys, outputs):
            touch(state / f"{key}.started", when, f"started=x\nhost=node1\npid=1\njob=1.{key}\n")
            touch(output, when + 1, key)
            touch(state / f"{key}.ok-{hashes[task]}", when + 2,
                  "started=2026-11-26T00:00:00Z\nfinished=2026-11-26T00:00:01Z\nexit=0\nhost=node1\njob=1\n")


def measure(work: Path, *args: str) -> tuple[float, float]:
    start = time.perf_counter()
    with open(os.devnull, "w") as sink:
        proc = subprocess.Popen([str(MAKEGEN), "status", *args], cwd=work, stdout=sink)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status:
        raise SystemExit(f"makegen status {' '.join(args)} failed ({status})")
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=33_333, help="3N+1 instances (default 100,000)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=HERE / "work" / "status")
    options = parser.parse_args()
    synthesize(options.workdir, options.samples)
    check = subprocess.run([str(MAKEGEN), "status", "--json"], cwd=options.workdir,
                           capture_output=True, text=True, check=True)
    summary = json.loads(check.stdout)["summary"]
    total = sum(summary.values())
    assert summary["done"] == total, summary
    print(f"makegen status on {total:,} instances, all done ({options.repeat} runs, best first)")
    for label, args in (("status (table)", ()), ("status --json", ("--json",))):
        runs = sorted(measure(options.workdir, *args) for _ in range(options.repeat))
        walls = ", ".join(f"{w:.2f}" for w, _ in runs)
        print(f"  {label:<16} best {runs[0][0]:.2f} s  (runs: {walls} s)  peak RSS {runs[0][1]:.0f} MiB")



if __name__ == "__main__":
    main()
