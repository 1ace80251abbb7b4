#!/usr/bin/env python3
"""Time `makegen report` on the standard shape at about 10^5 instances.

Writes what a finished run leaves for N samples (benchmarks/status.py's synthesize: inputs,
outputs, start and success markers), adds what the node records per attempt (attempt,
wall_s, cpu_s, max_rss_mb) to every end marker, spread over 50 hosts, and turns every
500th instance of task c into a failure with a log; then times `makegen report` (and
`makegen status --json`, which reads the same markers) by wall clock and peak RSS, best of R,
and gives the size of the HTML.

    python benchmarks/report.py [--samples 33334] [--repeat 3] [--workdir benchmarks/work/report] [--reuse]

--reuse times the folder a previous run wrote (writing 4 x 10^5 files takes minutes).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from measure import run_command  # noqa: E402
from status import MAKEGEN, synthesize  # noqa: E402  (the same finished run as the status benchmark)

HOSTS = 50
FAILING = 500  # every FAILING-th instance of c failed


def add_usage(work: Path) -> int:
    """Resource figures in every end marker, hosts and times spread out, some failures."""
    state, logs, failed = work / "results" / ".makegen" / "state", work / "results" / ".makegen" / "logs", 0
    for task in sorted(os.listdir(state)):
        for n, name in enumerate(sorted(n for n in os.listdir(state / task) if ".ok-" in n)):
            key = name.split(".ok-")[0]
            minute, second = divmod(n // 20, 60)
            fields = (f"started=2026-11-26T{minute // 60:02d}:{minute % 60:02d}:{second:02d}Z\n"
                      f"finished=2026-11-26T{minute // 60:02d}:{minute % 60:02d}:{second:02d}Z\n"
                      f"host=node{n % HOSTS:02d}\njob=1.{n}\nattempt={1 + n % 3 // 2}\n"
                      f"wall_s={1 + n % 17 / 4:.2f}\ncpu_s={n % 13 / 4:.2f}\nmax_rss_mb={40 + n % 200}\n")
            if task == "c" and n % FAILING == 3:
                (state / task / name).unlink()
                (state / task / f"{key}.failed").write_text(fields + "exit=9\n")
                (logs / task).mkdir(parents=True, exist_ok=True)
                (logs / task / f"{key}.log").write_text(f"working on {key}\nerror: out of luck\n")
                failed += 1
            else:
                (state / task / name).write_text(fields + "exit=0\n")
    return failed


def measure(work: Path, *args: str) -> tuple[float, float]:
    sample = run_command([str(MAKEGEN), *args], work, work / "report.log",
                         {k: v for k, v in os.environ.items() if not k.startswith("MAKE")})
    if sample.code:
        raise SystemExit(f"makegen {' '.join(args)} failed: see {work / 'report.log'}")
    return sample.wall, sample.rss_mib


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=33_334, help="3N+1 instances (default 100,003)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=HERE / "work" / "report")
    parser.add_argument("--reuse", action="store_true", help="time the folder a previous run wrote")
    options = parser.parse_args()
    work = options.workdir
    if options.reuse:
        failed = len(list((work / "results" / ".makegen" / "state" / "c").glob("*.failed")))
    else:
        synthesize(work, options.samples)
        failed = add_usage(work)
    total = 3 * options.samples + 1
    print(f"makegen report on {total:,} instances, {failed} failed, {HOSTS} hosts "
          f"({options.repeat} runs, best first)")
    for label, args in (("report", ("report", "-o", "report.html")), ("status --json", ("status", "--json"))):
        runs = sorted(measure(work, *args) for _ in range(options.repeat))
        walls = ", ".join(f"{w:.2f}" for w, _ in runs)
        print(f"  {label:<14} best {runs[0][0]:.2f} s  (runs: {walls} s)  peak RSS {runs[0][1]:.0f} MiB")
    print(f"  report.html    {(work / 'report.html').stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
