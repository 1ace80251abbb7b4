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
sys.path.insert(0, str(HERE))
from compile import PIPELINE  # noqa: E402  (the same standard shape as the compile benchmark)
from measure import run_command  # noqa: E402

MAKEGEN = Path(sys.executable).parent / "makegen"
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
    (work / "pipeline.toml").write_text(PIPELINE.format(samples=samples, instances=3 * samples + 1))
    subprocess.run([str(MAKEGEN), "build"], cwd=work, check=True, stdout=subprocess.DEVNULL)
    graph = json.loads((work / "build" / "graph.json").read_text())
    hashes = {t["name"]: t["hash"] for t in graph["tasks"]}
    results, base = work / "results", time.time() - 3600
    (work / "data").mkdir()
    for name in names:
        touch(work / "data" / f"{name}.txt", base, name)
    for step, task in enumerate(("a", "b", "c", "gather"), 1):
        state = results / ".makegen" / "state" / task
        state.mkdir(parents=True)
        keys = names if task != "gather" else ["_"]
        outputs = [results / task / f"{n}.txt" for n in names] if task != "gather" else [results / "all.txt"]
        outputs[0].parent.mkdir(parents=True, exist_ok=True)
        when = base + step * 60
        for key, output in zip(keys, outputs):
            touch(state / f"{key}.started", when, f"started=x\nhost=node1\npid=1\njob=1.{key}\n")
            touch(output, when + 1, key)
            touch(state / f"{key}.ok-{hashes[task]}", when + 2,
                  "started=2026-11-26T00:00:00Z\nfinished=2026-11-26T00:00:01Z\nexit=0\nhost=node1\njob=1\n")


def measure(work: Path, *args: str) -> tuple[float, float]:
    sample = run_command([str(MAKEGEN), "status", *args], work, work / "status.log",
                         {k: v for k, v in os.environ.items() if not k.startswith("MAKE")})
    if sample.code:
        raise SystemExit(f"makegen status {' '.join(args)} failed: see {work / 'status.log'}")
    return sample.wall, sample.rss_mib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=33_334, help="3N+1 instances (default 100,003)")
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
