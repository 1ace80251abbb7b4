"""Shared helpers of the submission tests against the real single-node schedulers.

The test file (test_submit.py, parametrized over both schedulers) is thin: each test calls one
scenario below with its `Scheduler`. A scenario writes a pipeline into a pytest tmp folder,
compiles it with the real `makegen build`, submits it with the real `makegen submit`, waits
(bounded polling) until the submitted jobs left the queue, then checks three sources that do
not depend on each other: `makegen status --json` (the marker files), the files the commands
wrote, and precise stamps (`date +%s.%N`) that every command records under ROOT_DIR.

Every command runs `tools/step.sh TASK KEY DELAY` (written into the pipeline folder), which
  - appends one line to counts/<task>.<key> (how many times the command ran),
  - writes stamps/<task>.<key>.start, sleeps DELAY seconds (or what delay/<task>.<key> says),
  - exits 7 if fail/<task>.<key> exists, else writes stamps/<task>.<key>.end last.

A scheduler that cannot be reached is a failure, never a skip. Tests of one backend may run
in parallel (pytest-xdist); the few whose assertions need the scheduler's slots to themselves
take an exclusive lock per backend, the others a shared one.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import subprocess
import tempfile
import textwrap
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Optional

from installed import makegen as installed_makegen

REPO = Path(__file__).resolve().parents[2]
ENV_SH = REPO / "scripts" / "cluster" / "env.sh"

CMD_TIMEOUT_S = 60  # any single client or makegen command
PING_TIMEOUT_S = 30  # is the scheduler there at all
DRAIN_TIMEOUT_S = 120  # a submission's jobs leaving the queue
POLL_S = 0.5

STEP_SH = """\
#!/usr/bin/env bash
# step.sh TASK KEY DELAY: one execution of a command, recorded under ROOT_DIR (the cwd).
set -euo pipefail
task=$1 key=$2 delay=$3
mkdir -p counts stamps
printf '%s %s\\n' "$(date +%s.%N)" "${MAKEGEN_JOB_ID:-}" >>"counts/$task.$key"
date +%s.%N >"stamps/$task.$key.start"
if [[ -r delay/$task.$key ]]; then delay=$(<"delay/$task.$key"); fi
sleep "$delay"
if [[ -e fail/$task.$key ]]; then
  echo "failing on purpose: fail/$task.$key exists" >&2
  exit 7
fi
date +%s.%N >"stamps/$task.$key.end"
"""

FAIL_CODE = 7


# ------------------------------------------------------------------------------ processes


def run(cmd: list[str], cwd: Optional[Path] = None, timeout: float = CMD_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


def describe(res: subprocess.CompletedProcess[str]) -> str:
    return (f"$ {' '.join(map(str, res.args))}\nexit {res.returncode}\n"
            f"--- stdout\n{res.stdout}--- stderr\n{res.stderr}")


def wait_for(predicate: Callable[[], Any], what: str, timeout_s: float = DRAIN_TIMEOUT_S,
             diag: Optional[Callable[[], str]] = None) -> Any:
    """Poll `predicate` until it returns something true; fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            extra = f"\n{diag()}" if diag else ""
            raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}{extra}")
        time.sleep(POLL_S)


_ENV_LOADED = False


def load_cluster_env() -> None:
    """Put what scripts/cluster/env.sh exports (SGE_ROOT, SGE_CELL, SLURM_CONF, PATH) into os.environ."""
    global _ENV_LOADED
    if _ENV_LOADED:
        return
    res = subprocess.run(["bash", "-c", f'. "{ENV_SH}" && env -0'], capture_output=True,
                         timeout=CMD_TIMEOUT_S, check=True)
    sourced = dict(item.split("=", 1) for item in res.stdout.decode().split("\0") if "=" in item)
    for name in ("SGE_ROOT", "SGE_CELL", "SLURM_CONF"):
        os.environ.setdefault(name, sourced[name])
    os.environ["PATH"] = sourced["PATH"]
    _ENV_LOADED = True


# ------------------------------------------------------------------------------ schedulers


class Scheduler:
    """What the scenarios need to know of one scheduler, asked of its own client commands."""

    name = ""  # makegen's --backend
    submit_program = ""  # what the submission script calls once per array
    job_separator = ""  # <job><sep><task> in markers and status
    elementwise_marker = ""  # how the script makes B's task i wait for A's task i
    throttle_marker = ""  # a regex: how the script throttles an array to 1 at a time
    rejection = ""  # a regex: the scheduler's message refusing 16 cores on 2
    hold_flag = ""  # submit held (a job cancelled while its shell starts can leave a mess behind)
    hint = f"Is it up? Run: cd {REPO} && make schedulers"

    def must(self, cmd: list[str], timeout: float = CMD_TIMEOUT_S) -> str:
        try:
            res = run(cmd, timeout=timeout)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise AssertionError(f"{self.name}: `{' '.join(cmd)}` failed: {exc}\n{self.hint}") from exc
        assert res.returncode == 0, f"{self.name} did not answer:\n{describe(res)}\n{self.hint}"
        return res.stdout

    def ping(self) -> None:
        raise NotImplementedError

    def array_limit(self) -> int:
        raise NotImplementedError

    def queue(self) -> list[tuple[str, str]]:
        """(job id, job name) of every job in the queue (pending, running or ending)."""
        raise NotImplementedError

    def cancel(self, ids: list[str]) -> None:
        raise NotImplementedError

    def show(self, job_id: str) -> str:
        """The scheduler's full description of a job it still knows."""
        raise NotImplementedError

    def overview(self) -> str:
        raise NotImplementedError

    def assert_resources(self, text: str) -> None:
        """`show` of the job of { cores = 2, mem = "600M", time = "5m" } asks for exactly that."""
        raise NotImplementedError

    def queued_ids(self) -> set[str]:
        return {job for job, _ in self.queue()}

    def job_id(self, array_job: str, index: int) -> str:
        return f"{array_job}{self.job_separator}{index}"


class Sge(Scheduler):
    name = "sge"
    submit_program = "qsub"
    job_separator = "."
    elementwise_marker = "-hold_jid_ad"
    throttle_marker = r"(^|\s)-tc 1(\s|$)"
    rejection = r"Unable to run job: error: no suitable queues"
    hold_flag = "-h"

    def ping(self) -> None:
        self.must(["qstat", "-u", "*"], timeout=PING_TIMEOUT_S)

    def array_limit(self) -> int:
        found = re.search(r"^max_aj_tasks\s+(\d+)", self.must(["qconf", "-sconf", "global"]), re.M)
        assert found, "qconf -sconf global shows no max_aj_tasks"
        return int(found.group(1))

    def queue(self) -> list[tuple[str, str]]:
        root = ET.fromstring(self.must(["qstat", "-u", "*", "-xml"]))
        return [(job.findtext("JB_job_number", ""), job.findtext("JB_name", ""))
                for job in root.iter("job_list")]

    def cancel(self, ids: list[str]) -> None:
        if ids:
            run(["qdel", *ids])

    def show(self, job_id: str) -> str:
        return self.must(["qstat", "-j", job_id])

    def overview(self) -> str:
        return run(["qstat", "-u", "*", "-f"]).stdout

    def assert_resources(self, text: str) -> None:
        resources = re.search(r"^hard resource_list:\s*(\S+)", text, re.M)
        assert resources, f"qstat -j shows no hard resource_list:\n{text}"
        requested = dict(item.split("=", 1) for item in resources.group(1).split(","))
        assert requested.get("h_vmem") == "300M", f"h_vmem is per slot: 600M over 2 slots\n{text}"
        assert requested.get("h_rt") in ("300", "0:05:00", "00:05:00"), text
        assert re.search(r"^parallel environment:\s+smp range: 2\s*$", text, re.M), text


class Slurm(Scheduler):
    name = "slurm"
    submit_program = "sbatch"
    job_separator = "_"
    elementwise_marker = "--dependency=aftercorr:"
    throttle_marker = r"--array=1-\d+%1(\s|$)"
    rejection = r"sbatch: error: .*(More processors requested than permitted|Requested node configuration is not available)"
    hold_flag = "--hold"

    def ping(self) -> None:
        self.must(["scontrol", "ping"], timeout=PING_TIMEOUT_S)
        self.must(["squeue", "-h"], timeout=PING_TIMEOUT_S)

    def array_limit(self) -> int:
        found = re.search(r"^MaxArraySize\s*=\s*(\d+)", self.must(["scontrol", "show", "config"]), re.M)
        assert found, "scontrol show config shows no MaxArraySize"
        return int(found.group(1)) - 1  # indices from 1 up to MaxArraySize - 1

    def queue(self) -> list[tuple[str, str]]:
        out = self.must(["squeue", "-h", "-o", "%F|%j"])
        return [(job, name) for job, _, name in (line.partition("|") for line in out.splitlines())]

    def cancel(self, ids: list[str]) -> None:
        if ids:
            run(["scancel", *ids])

    def show(self, job_id: str) -> str:
        return self.must(["scontrol", "show", "job", job_id])

    def overview(self) -> str:
        return run(["squeue", "-o", "%i %j %T %r"]).stdout

    def assert_resources(self, text: str) -> None:
        assert re.search(r"\bNumCPUs=2\b", text) or re.search(r"\bCPUs/Task=2\b", text), text
        assert re.search(r"\bmem=600M\b", text) or re.search(r"\bMinMemoryNode=600M\b", text), text
        assert re.search(r"\bTimeLimit=00:05:00\b", text), text


SGE = Sge()
SLURM = Slurm()


# ------------------------------------------------------------------------------ a pipeline


SUBMITTED = re.compile(
    r"^submitted (\S+) \(phase (\d+), (\d+) instance\(s\)(?: in \d+ element\(s\) of up to \d+)?\) "
    r"as job (\S+)$", re.M)


@dataclass
class Submission:
    arrays: list[tuple[str, int, int, str]]  # (array name, phase, instances, job id)
    result: subprocess.CompletedProcess[str]

    @property
    def ids(self) -> list[str]:
        return [job for *_, job in self.arrays]

    def of(self, task: str) -> list[tuple[str, int, int, str]]:
        """The arrays of one task, in order (`task`, or `task-1`, `task-2`, ... when split)."""
        return [a for a in self.arrays if re.fullmatch(rf"{re.escape(task)}(-\d+)?", a[0])]


@dataclass
class Pipeline:
    """A pipeline folder under a pytest tmp folder, driven through the makegen CLI."""

    root: Path
    scheduler: Scheduler
    name: str
    submitted: list[str] = field(default_factory=list)
    tried_submit: bool = False

    # -- setup
    def write(self, rel: str, text: str, mode: Optional[int] = None) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if mode is not None:
            path.chmod(mode)
        return path

    def pipeline(self, body: str) -> None:
        """pipeline.toml: a unique pipeline name (it names the jobs), then `body`."""
        self.write("pipeline.toml", f'[pipeline]\nname = "{self.name}"\noutput = "results"\n\n'
                   + textwrap.dedent(body))

    def fail(self, task: str, key: str, on: bool = True) -> None:
        """Make the command of task[key] exit 7 (or, with on=False, succeed again)."""
        if on:
            self.write(f"fail/{task}.{key}", "")
        else:
            (self.root / "fail" / f"{task}.{key}").unlink()

    def delay(self, task: str, key: str, seconds: float) -> None:
        self.write(f"delay/{task}.{key}", f"{seconds}\n")

    # -- makegen
    def makegen(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run([str(installed_makegen()), *args], cwd=self.root)

    def build(self) -> None:
        """`makegen build`, after making sure the scheduler answers: every scenario builds first,
        so an unreachable scheduler FAILS the test (in its body, not as a set-up error)."""
        self.scheduler.ping()
        res = self.makegen("build")
        assert res.returncode == 0, describe(res)

    def print_script(self, *args: str) -> str:
        res = self.makegen("submit", "--backend", self.scheduler.name, "--print", *args)
        assert res.returncode == 0, describe(res)
        return res.stdout

    def submit(self, *args: str, expect: int = 0) -> Submission:
        self.tried_submit = True
        res = self.makegen("submit", "--backend", self.scheduler.name, *args)
        arrays = [(m[0], int(m[1]), int(m[2]), m[3]) for m in SUBMITTED.findall(res.stdout)]
        self.submitted += [job for *_, job in arrays]
        assert res.returncode == expect, f"expected exit {expect}\n{describe(res)}"
        return Submission(arrays, res)

    def status(self) -> dict[str, Any]:
        res = self.makegen("status", "--json")
        assert res.returncode in (0, 1), describe(res)
        data: dict[str, Any] = json.loads(res.stdout)
        return data

    def instances(self) -> dict[tuple[str, str], dict[str, Any]]:
        """status --json instances by (task, key)."""
        return {(i["task"], i["key"]): i for i in self.status()["instances"]}

    # -- the scheduler
    def wait_drained(self, submission: Submission, timeout_s: float = DRAIN_TIMEOUT_S) -> None:
        """Until no job of the submission is in the queue (pending, held, running, ending)."""
        ids = set(submission.ids)
        assert ids, f"nothing was submitted:\n{describe(submission.result)}"
        wait_for(lambda: not ids & self.scheduler.queued_ids(),
                 f"jobs {sorted(ids)} of {self.name} to leave the {self.scheduler.name} queue",
                 timeout_s, diag=lambda: self.diagnosis(submission))

    def diagnosis(self, submission: Optional[Submission] = None) -> str:
        parts = [f"queue:\n{self.scheduler.overview()}"]
        if submission is not None:
            parts.append(f"submission:\n{describe(submission.result)}")
        res = self.makegen("status")
        parts.append(f"makegen status:\n{res.stdout}{res.stderr}")
        return "\n".join(parts)

    def leftovers(self) -> list[str]:
        """Jobs of this pipeline still in the queue: by id, or by the job names makegen gives."""
        prefix = f"mg_{self.name}_"
        return sorted({job for job, name in self.scheduler.queue()
                       if job in self.submitted or name.startswith(prefix)})

    # -- what the commands recorded
    def count(self, task: str, key: str) -> int:
        path = self.root / "counts" / f"{task}.{key}"
        return len(path.read_text().splitlines()) if path.exists() else 0

    def stamp(self, task: str, key: str, which: str) -> float:
        path = self.root / "stamps" / f"{task}.{key}.{which}"
        assert path.exists(), f"{task}[{key}] recorded no {which} stamp ({path})"
        return float(path.read_text())

    def span(self, task: str, key: str) -> tuple[float, float]:
        return self.stamp(task, key, "start"), self.stamp(task, key, "end")

    def output(self, rel: str) -> str:
        return (self.root / "results" / rel).read_text()


@contextlib.contextmanager
def pipeline_in(scheduler: Scheduler, tmp_path: Path, exclusive: bool = False) -> Iterator[Pipeline]:
    """A Pipeline for one test; at the end, whatever it left in the queue is cancelled."""
    load_cluster_env()
    root = tmp_path / "pipe"
    root.mkdir()
    assert not re.search(r"[\s:#$%*?\[]", str(root)), f"unusable pipeline folder {root}"
    name = f"t{scheduler.name}{uuid.uuid4().hex[:8]}"
    pipe = Pipeline(root, scheduler, name)
    pipe.write("tools/step.sh", STEP_SH, 0o755)
    lock_path = Path(tempfile.gettempdir()) / f"makegen-cluster-tests-{scheduler.name}.lock"
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        try:
            yield pipe
        finally:
            with contextlib.suppress(AssertionError, OSError, subprocess.TimeoutExpired):
                left = pipe.leftovers() if pipe.tried_submit else []
                if left:
                    scheduler.cancel(left)
                    wait_for(lambda: not pipe.leftovers(), "cancelled jobs to leave", 30)
            fcntl.flock(lock, fcntl.LOCK_UN)


# ------------------------------------------------------------------------------ checks


def marker_time(stamp: Optional[str]) -> datetime:
    assert stamp, "no time in the marker"
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def assert_ordered(pipe: Pipeline, status: dict[tuple[str, str], dict[str, Any]],
                   edges: list[tuple[tuple[str, str], tuple[str, str]]]) -> None:
    """Every downstream started after its upstream finished: markers (1 s) and stamps (ns)."""
    for up, down in edges:
        up_i, down_i = status[up], status[down]
        assert marker_time(down_i["started"]) >= marker_time(up_i["finished"]), (
            f"{down_i['id']} started {down_i['started']}, before {up_i['id']} finished {up_i['finished']}")
        up_end = pipe.stamp(*up, "end")
        down_start = pipe.stamp(*down, "start")
        assert down_start >= up_end, (
            f"{down_i['id']} started at {down_start:.6f}, {up_end - down_start:.6f} s before "
            f"{up_i['id']} ended at {up_end:.6f}")


def assert_states(status: dict[tuple[str, str], dict[str, Any]], expected: dict[tuple[str, str], str]) -> None:
    actual = {k: status[k]["state"] for k in expected}
    wrong = {f"{status[k]['id']}": f"{actual[k]} (expected {v}: {status[k].get('reason', '')})"
             for k, v in expected.items() if actual[k] != v}
    assert not wrong, f"wrong states: {json.dumps(wrong, indent=1)}"
    assert set(status) == set(expected), f"unexpected instances: {set(status) ^ set(expected)}"


def script_lines(script: str, scheduler: Scheduler, pipe: Pipeline, task: str) -> list[str]:
    """The qsub/sbatch lines of a submission script that submit arrays of `task`."""
    name = re.compile(rf"mg_{re.escape(pipe.name)}_{re.escape(task)}(-\d+)?(?![\w-])")
    return [line for line in script.splitlines()
            if re.search(rf"\$\({scheduler.submit_program}\s", line) and name.search(line)]


# ------------------------------------------------------------------------------ scenarios
# One function per behaviour; test_submit.py calls each, once per scheduler, with
# a Pipeline of their scheduler.

SAMPLES = ["A", "B", "C", "D"]

DIAMOND = """\
[params]
sample = ["A", "B", "C", "D"]

[task.split]
outputs = ["split/{sample}.txt"]
run = "echo {sample} > {outputs}; bash tools/step.sh split {sample} 0"

[task.left]
inputs = ["split/{sample}.txt"]
outputs = ["left/{sample}.txt"]
run = "sed 's/^/L:/' {inputs} > {outputs}; bash tools/step.sh left {sample} 0"

[task.right]
inputs = ["split/{sample}.txt"]
outputs = ["right/{sample}.txt"]
run = "sed 's/^/R:/' {inputs} > {outputs}; bash tools/step.sh right {sample} 0"

[task.join]
inputs = { left = "left/{sample}.txt", right = "right/{sample}.txt" }
outputs = ["joined.txt"]
run = "cat {inputs.left} {inputs.right} > {outputs}; bash tools/step.sh join _ 0"
"""

DIAMOND_JOINED = "".join(f"L:{s}\n" for s in SAMPLES) + "".join(f"R:{s}\n" for s in SAMPLES)

DIAMOND_EDGES = (
    [(("split", s), ("left", s)) for s in SAMPLES]
    + [(("split", s), ("right", s)) for s in SAMPLES]
    + [((side, s), ("join", "_")) for side in ("left", "right") for s in SAMPLES]
)


def diamond_instances() -> list[tuple[str, str]]:
    return [(t, s) for t in ("split", "left", "right") for s in SAMPLES] + [("join", "_")]


def check_diamond(pipe: Pipeline) -> None:
    """split -> left & right -> join over 4 samples: right contents, every edge respected."""
    pipe.pipeline(DIAMOND)
    pipe.build()
    sub = pipe.submit()
    assert [(name, count) for name, _, count, _ in sub.arrays] == [
        ("split", 4), ("left", 4), ("right", 4), ("join", 1)], describe(sub.result)
    pipe.wait_drained(sub)

    status = pipe.instances()
    assert_states(status, dict.fromkeys(diamond_instances(), "done"))
    assert pipe.output("joined.txt") == DIAMOND_JOINED
    for s in SAMPLES:
        assert pipe.output(f"split/{s}.txt") == f"{s}\n"
        assert pipe.output(f"left/{s}.txt") == f"L:{s}\n"
        assert pipe.output(f"right/{s}.txt") == f"R:{s}\n"
    assert_ordered(pipe, status, DIAMOND_EDGES)
    assert {k: pipe.count(*k) for k in status} == dict.fromkeys(status, 1)


def check_failure_then_missing(pipe: Pipeline) -> None:
    """split[C] fails: it is failed (exit code), its dependents blocked, the rest done, the
    queue empties; after the cause is gone, --missing runs only split[C] and its dependents."""
    pipe.pipeline(DIAMOND)
    pipe.fail("split", "C")
    pipe.build()
    first = pipe.submit()
    pipe.wait_drained(first)  # nothing of the submission waits in the queue for ever
    assert pipe.leftovers() == [], pipe.diagnosis(first)

    status = pipe.instances()
    dependents = [("left", "C"), ("right", "C"), ("join", "_")]
    expected = dict.fromkeys(diamond_instances(), "done")
    expected[("split", "C")] = "failed"
    expected.update(dict.fromkeys(dependents, "blocked"))
    assert_states(status, expected)
    failed = status[("split", "C")]
    assert failed["exit_code"] == FAIL_CODE, failed
    assert failed["job"] and failed["host"], failed
    assert {k: pipe.count(*k) for k in status} == {k: 0 if k in dependents else 1 for k in status}

    pipe.fail("split", "C", on=False)
    again = pipe.submit("--missing")
    assert [(name, count) for name, _, count, _ in again.arrays] == [
        ("split", 1), ("left", 1), ("right", 1), ("join", 1)], describe(again.result)
    pipe.wait_drained(again)

    status = pipe.instances()
    assert_states(status, dict.fromkeys(diamond_instances(), "done"))
    assert pipe.output("joined.txt") == DIAMOND_JOINED
    runs = {k: pipe.count(*k) for k in status}
    assert runs == {k: 2 if k == ("split", "C") else 1 for k in status}, (
        f"only split[C] (twice) and its dependents (once) may have run again: {runs}")
    assert_ordered(pipe, status, DIAMOND_EDGES)


def check_grouped_failure_then_missing(pipe: Pipeline) -> None:
    """submit --group 3: split's instances A, B, C run in element 1 and D in element 2. C fails:
    A and B, its group mates, are done all the same; C's dependents are blocked; each
    instance shows its element's job id; --missing then runs only what is not done."""
    pipe.pipeline(DIAMOND)
    pipe.fail("split", "C")
    pipe.build()
    first = pipe.submit("--group", "3")
    assert "submitted split (phase 1, 4 instance(s) in 2 element(s) of up to 3)" in first.result.stdout, (
        describe(first.result))
    pipe.wait_drained(first)
    assert pipe.leftovers() == [], pipe.diagnosis(first)

    status = pipe.instances()
    dependents = [("left", "C"), ("right", "C"), ("join", "_")]
    expected = dict.fromkeys(diamond_instances(), "done")
    expected[("split", "C")] = "failed"
    expected.update(dict.fromkeys(dependents, "blocked"))
    assert_states(status, expected)
    assert status[("split", "C")]["exit_code"] == FAIL_CODE, status[("split", "C")]
    split_job = first.of("split")[0][3]
    for sample, element in (("A", 1), ("B", 1), ("C", 1), ("D", 2)):
        assert status[("split", sample)]["job"] == pipe.scheduler.job_id(split_job, element), (
            status[("split", sample)])
    assert {k: pipe.count(*k) for k in status} == {k: 0 if k in dependents else 1 for k in status}

    pipe.fail("split", "C", on=False)
    again = pipe.submit("--missing", "--group", "3")
    assert [(name, count) for name, _, count, _ in again.arrays] == [
        ("split", 1), ("left", 1), ("right", 1), ("join", 1)], describe(again.result)
    pipe.wait_drained(again)
    status = pipe.instances()
    assert_states(status, dict.fromkeys(diamond_instances(), "done"))
    assert pipe.output("joined.txt") == DIAMOND_JOINED
    runs = {k: pipe.count(*k) for k in status}
    assert runs == {k: 2 if k == ("split", "C") else 1 for k in status}, runs
    assert_ordered(pipe, status, DIAMOND_EDGES)


def check_elementwise(pipe: Pipeline) -> None:
    """A -> B with the same foreach: B[1] may start as soon as A[1] ended, before A[4] ends."""
    pipe.pipeline("""\
        [params]
        sample = ["s1", "s2", "s3", "s4"]

        [task.a]
        outputs = ["a/{sample}.txt"]
        run = "echo {sample} > {outputs}; bash tools/step.sh a {sample} 1"

        [task.b]
        inputs = ["a/{sample}.txt"]
        outputs = ["b/{sample}.txt"]
        run = "cat {inputs} > {outputs}; bash tools/step.sh b {sample} 0.2"
        """)
    pipe.delay("a", "s4", 6)
    pipe.build()

    script = pipe.print_script()
    marker = pipe.scheduler.elementwise_marker
    (a_line,) = script_lines(script, pipe.scheduler, pipe, "a")
    (b_line,) = script_lines(script, pipe.scheduler, pipe, "b")
    assert marker in b_line, f"B must wait task by task ({marker}):\n{b_line}"
    assert marker not in a_line, a_line

    sub = pipe.submit()
    pipe.wait_drained(sub)
    status = pipe.instances()
    keys = ["s1", "s2", "s3", "s4"]
    assert_states(status, {(t, k): "done" for t in ("a", "b") for k in keys})
    assert_ordered(pipe, status, [(("a", k), ("b", k)) for k in keys])
    b1_start, a4_end = pipe.stamp("b", "s1", "start"), pipe.stamp("a", "s4", "end")
    assert b1_start < a4_end, (
        f"b[s1] started at {b1_start:.3f}, {b1_start - a4_end:.3f} s after a[s4] ended: "
        "B waited for the whole of A, not for A's task 1")
    for k in keys:
        assert pipe.output(f"b/{k}.txt") == f"{k}\n"


def check_throttle(pipe: Pipeline) -> None:
    """--throttle 1 on 4 instances of ~1 s: never two at once (from the recorded stamps)."""
    pipe.pipeline("""\
        [params]
        sample = ["A", "B", "C", "D"]

        [task.slow]
        outputs = ["slow/{sample}.txt"]
        run = "echo {sample} > {outputs}; bash tools/step.sh slow {sample} 1"
        """)
    pipe.build()
    (line,) = script_lines(pipe.print_script("--throttle", "1"), pipe.scheduler, pipe, "slow")
    assert re.search(pipe.scheduler.throttle_marker, line), line

    sub = pipe.submit("--throttle", "1")
    pipe.wait_drained(sub)
    status = pipe.instances()
    assert_states(status, {("slow", s): "done" for s in SAMPLES})
    spans = sorted((*pipe.span("slow", s), s) for s in SAMPLES)
    for (_, end, before), (start, _, after) in zip(spans, spans[1:]):
        assert start >= end, f"slow[{after}] started {end - start:.3f} s before slow[{before}] ended"


def check_split_arrays(pipe: Pipeline) -> None:
    """A phase over the array limit is split (3 arrays for 2*limit+2 instances), and both an
    element-wise and a gathering downstream still wait for the right upstream instances."""
    limit = pipe.scheduler.array_limit()
    assert 2 <= limit <= 10, (f"the test cluster should cap arrays at 5 (it caps at {limit}): "
                              f"{pipe.scheduler.hint}")
    n = 2 * limit + 2
    keys = [f"i{k:02d}" for k in range(1, n + 1)]
    values = ", ".join(f'"{k}"' for k in keys)
    pipe.pipeline(f"""\
        [params]
        item = [{values}]

        [task.big]
        outputs = ["big/{{item}}.txt"]
        run = "echo {{item}} > {{outputs}}; bash tools/step.sh big {{item}} 0"

        [task.twin]
        inputs = ["big/{{item}}.txt"]
        outputs = ["twin/{{item}}.txt"]
        run = "cat {{inputs}} > {{outputs}}; bash tools/step.sh twin {{item}} 0"

        [task.total]
        inputs = ["big/{{item}}.txt"]
        outputs = ["total.txt"]
        run = "cat {{inputs}} > {{outputs}}; bash tools/step.sh total _ 0"
        """)
    pipe.build()

    script = pipe.print_script()
    big_lines = script_lines(script, pipe.scheduler, pipe, "big")
    twin_lines = script_lines(script, pipe.scheduler, pipe, "twin")
    assert len(big_lines) == 3, f"{n} instances, limit {limit}: 3 arrays expected\n{script}"
    assert len(twin_lines) == 3, script
    assert all(pipe.scheduler.elementwise_marker in line for line in twin_lines), twin_lines
    assert len(script_lines(script, pipe.scheduler, pipe, "total")) == 1, script

    sub = pipe.submit()
    assert [(name, count) for name, _, count, _ in sub.of("big")] == [
        ("big-1", limit), ("big-2", limit), ("big-3", 2)], describe(sub.result)
    assert [count for _, _, count, _ in sub.of("twin")] == [limit, limit, 2], describe(sub.result)
    pipe.wait_drained(sub)

    status = pipe.instances()
    expected = {(t, k): "done" for t in ("big", "twin") for k in keys}
    expected[("total", "_")] = "done"
    assert_states(status, expected)
    assert pipe.output("total.txt") == "".join(f"{k}\n" for k in keys)
    assert_ordered(pipe, status, [(("big", k), ("twin", k)) for k in keys]
                   + [(("big", k), ("total", "_")) for k in keys])


def check_resources(pipe: Pipeline) -> None:
    """cores/mem/time reach the scheduler: visible in its description of the waiting job."""
    # One instance, over a one-value param: a pipeline without [params] is check_without_params.
    pipe.pipeline("""\
        [params]
        size = ["big"]

        [task.heavy]
        outputs = ["heavy/{size}.txt"]
        run = "echo ${NSLOTS:-} ${SLURM_CPUS_PER_TASK:-} > {outputs}; bash tools/step.sh heavy {size} 8"
        resources = { cores = 2, mem = "600M", time = "5m" }
        """)
    pipe.build()
    sub = pipe.submit()
    ((_, _, _, job),) = sub.arrays
    shown = pipe.scheduler.show(job)
    assert job in pipe.scheduler.queued_ids(), "the job ended before it could be looked at"
    pipe.scheduler.assert_resources(shown)

    pipe.wait_drained(sub)
    assert_states(pipe.instances(), {("heavy", "big"): "done"})
    assert pipe.output("heavy/big.txt").split() == ["2"], "the job should see its 2 slots/CPUs"


def check_impossible_request(pipe: Pipeline) -> None:
    """cores = 16 on a 2-slot machine: submit exits 2 with the scheduler's message, and what
    it had already submitted is cancelled: nothing of the pipeline stays in the queue."""
    pipe.pipeline("""\
        [params]
        size = ["big"]

        [task.first]
        outputs = ["first/{size}.txt"]
        run = "echo first > {outputs}; bash tools/step.sh first {size} 20"

        [task.huge]
        inputs = ["first/{size}.txt"]
        outputs = ["huge/{size}.txt"]
        run = "cat {inputs} > {outputs}; bash tools/step.sh huge {size} 0"
        resources = { cores = 16 }
        """)
    pipe.build()
    # Held (through --extra), so that `first` is still waiting when makegen cancels it rather
    # than killed while it starts: on Grid Engine jobs start login shells, and this machine's
    # ~/.bashrc runs `pyenv init`, whose lock file a job killed there leaves behind (every later
    # job then waits 60 s for it).
    sub = pipe.submit(f"--extra={pipe.scheduler.hold_flag}", expect=2)
    rejection = pipe.scheduler.rejection
    assert re.search(rejection, sub.result.stderr), (
        f"the scheduler's message ({rejection!r}) should be shown\n{describe(sub.result)}")
    assert [name for name, *_ in sub.arrays] == ["first"], describe(sub.result)
    cancelled = re.search(r"^makegen: cancelling (.*)$", sub.result.stderr, re.M)
    assert cancelled and sub.ids[0] in cancelled.group(1).split(), describe(sub.result)
    wait_for(lambda: not pipe.leftovers(), "nothing of the refused submission in the queue", 30,
             diag=lambda: pipe.diagnosis(sub))
    assert pipe.count("huge", "big") == 0


def check_without_params(pipe: Pipeline) -> None:
    """A pipeline without [params] (one instance per task, key `_`) is submitted and runs."""
    pipe.pipeline("""\
        [task.hello]
        outputs = ["hello.txt"]
        run = "echo hello > {outputs}; bash tools/step.sh hello _ 0"

        [task.world]
        inputs = ["hello.txt"]
        outputs = ["world.txt"]
        run = "cat {inputs} > {outputs}; echo world >> {outputs}; bash tools/step.sh world _ 0"
        """)
    pipe.build()
    sub = pipe.submit()
    assert [(name, count) for name, _, count, _ in sub.arrays] == [("hello", 1), ("world", 1)]
    pipe.wait_drained(sub)
    status = pipe.instances()
    assert_states(status, {("hello", "_"): "done", ("world", "_"): "done"})
    assert pipe.output("world.txt") == "hello\nworld\n"
    assert_ordered(pipe, status, [(("hello", "_"), ("world", "_"))])


def check_job_ids(pipe: Pipeline) -> None:
    """status --json `job` is <job>.<task> (SGE) / <job>_<task> (SLURM), also across a split."""
    limit = pipe.scheduler.array_limit()
    keys = [f"k{k}" for k in range(1, limit + 3)]
    values = ", ".join(f'"{k}"' for k in keys)
    pipe.pipeline(f"""\
        [params]
        key = [{values}]

        [task.ids]
        outputs = ["ids/{{key}}.txt"]
        run = "echo {{key}} > {{outputs}}; bash tools/step.sh ids {{key}} 0"
        """)
    pipe.build()
    sub = pipe.submit()
    arrays = sub.of("ids")
    assert [count for _, _, count, _ in arrays] == [limit, 2], describe(sub.result)
    pipe.wait_drained(sub)

    status = pipe.instances()
    assert_states(status, {("ids", k): "done" for k in keys})
    for n, k in enumerate(keys):
        expected = pipe.scheduler.job_id(arrays[n // limit][3], n % limit + 1)
        assert status[("ids", k)]["job"] == expected, status[("ids", k)]
        recorded = (pipe.root / "counts" / f"ids.{k}").read_text().split()[1]
        assert recorded == expected, f"the job saw MAKEGEN_JOB_ID={recorded}"
