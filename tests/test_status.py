"""Post-mortem from the filesystem: real runs, kills, failures, deletions, copies, torn markers."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from conftest import Project, cli
from installed import makegen

DIAMOND = """
[pipeline]
name = "diamond"

[params]
sample = ["s1", "s2", "s3", "s4", "s5", "s6"]

[task.split]
inputs = ["data/{sample}.txt"]
outputs = ["split/{sample}.txt"]
code = ["scripts/work.sh"]
run = "bash scripts/work.sh split {sample} {inputs} {outputs}"

[task.left]
inputs = ["split/{sample}.txt"]
outputs = ["left/{sample}.txt"]
run = "bash scripts/work.sh left {sample} {inputs} {outputs}"

[task.right]
inputs = ["split/{sample}.txt"]
outputs = ["right/{sample}.txt"]
run = "bash scripts/work.sh right {sample} {inputs} {outputs}"

[task.join]
inputs = { l = "left/{sample}.txt", r = "right/{sample}.txt" }
outputs = ["joined.txt"]
run = "echo join >> counts/join; cat {inputs} > {outputs}"
"""

WORK = """\
step=$1 sample=$2 input=$3 output=$4
echo "$sample" >> "counts/$step"
if [ -e "fail/$step-$sample" ]; then echo "told to fail" >&2; exit 7; fi
sleep "${DELAY:-0}"
{ echo "$step $sample"; cat "$input"; } > "$output"
"""


def diamond(project: Project) -> None:
    project.pipeline(DIAMOND)
    project.write("scripts/work.sh", WORK)
    for i in range(1, 7):
        project.write(f"data/s{i}.txt", f"data {i}\n")
    for folder in ("counts", "fail"):
        (project.root / folder).mkdir(exist_ok=True)
    project.build()


def status_json(project: Project, build: str = "build", cwd: Path | None = None,
                env: dict[str, str] | None = None) -> dict[str, Any]:
    result = subprocess.run([str(makegen()), "status", build, "--json"],
                            cwd=cwd or project.root, capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, check=False)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def states(report: dict[str, Any]) -> dict[str, str]:
    return {i["id"]: i["state"] for i in report["instances"]}


def test_json_has_the_spec_shape_and_argv_runs_the_instance(project: Project) -> None:
    diamond(project)
    report = status_json(project)
    assert report["pipeline"] == "diamond"
    # Nothing failed: what cannot start yet is waiting for upstream work, not blocked.
    assert report["summary"] == {"done": 0, "outdated": 0, "failed": 0, "running": 0, "stale": 0,
                                 "blocked": 0, "waiting": 13, "pending": 6}
    assert report["out_of_date"] == []
    first = report["instances"][0]
    assert first["id"] == "split[sample=s1]" and first["key"] == "s1" and first["phase"] == 1
    assert first["outputs"] == ["split/s1.txt"]
    assert first["argv"] == ["make", "-f", "build/tasks/split.mk", "sample=s1"]
    assert set(first) >= {"started", "finished", "host", "job", "exit_code", "log"}
    ran = subprocess.run(first["argv"], cwd=project.root, capture_output=True, text=True, check=False)
    assert ran.returncode == 0, ran.stderr
    assert states(status_json(project))["split[sample=s1]"] == "done"


def test_failure_blocks_its_dependents_and_independent_branches_finish(project: Project) -> None:
    diamond(project)
    (project.root / "fail" / "left-s3").touch()
    result = project.run("-k", "-j", "2")
    assert result.returncode == 1
    report = status_json(project)
    by_id = {i["id"]: i for i in report["instances"]}
    failed = by_id["left[sample=s3]"]
    assert failed["state"] == "failed" and failed["exit_code"] == 7 and failed["host"]
    assert "told to fail" in Path(failed["log"] if failed["log"].startswith("/")
                                  else project.root / failed["log"]).read_text()
    joined = by_id["join"]
    assert joined["state"] == "blocked" and "left[sample=s3] is failed" in joined["reason"]
    assert by_id["right[sample=s3]"]["state"] == "done"
    assert report["summary"]["done"] == 6 + 5 + 6
    text = cli("status", cwd=project.root).stdout
    assert "left[sample=s3]  exit 7" in text and "| told to fail" in text
    assert "join: upstream left[sample=s3] is failed" in text
    assert "makegen run build --missing" in text
    # Fix the cause: only the failed instance and what depends on it run again.
    (project.root / "fail" / "left-s3").unlink()
    before = {step: project.counter(step) for step in ("split", "left", "right", "join")}
    assert project.run("--missing").returncode == 0
    after = {step: project.counter(step) for step in ("split", "left", "right", "join")}
    assert {k: after[k] - before[k] for k in after} == {"split": 0, "left": 1, "right": 0, "join": 1}
    assert status_json(project)["summary"]["done"] == 19


def test_deleting_one_output_makes_it_pending_and_downstream_waiting(project: Project) -> None:
    diamond(project)
    assert project.run("-j", "2").returncode == 0
    (project.results / "split" / "s2.txt").unlink()
    report = states(status_json(project))
    assert report["split[sample=s2]"] == "pending"
    assert report["left[sample=s2]"] == report["right[sample=s2]"] == "waiting"
    # join's own inputs are all there and older than its success, so make would do
    # nothing now; a run re-checks it after left[s2] and right[s2] (the counts below).
    assert report["join"] == "done"
    assert list(report.values()).count("done") == 16
    why = cli("status", "--why", cwd=project.root).stdout
    assert "split[sample=s2]: pending: output missing: split/s2.txt" in why
    assert project.run("--missing").returncode == 0
    assert (project.counter("split"), project.counter("left"), project.counter("join")) == (7, 7, 2)


def test_why_names_each_reason(project: Project) -> None:
    diamond(project)
    assert project.run("-j", "2").returncode == 0
    future = time.time() + 10
    os.utime(project.root / "data" / "s1.txt", (future, future))
    os.utime(project.root / "scripts" / "work.sh", (future + 1, future + 1))
    why = cli("status", "--why", cwd=project.root).stdout
    assert "split[sample=s1]: outdated: code file" in why and "scripts/work.sh changed" in why
    os.utime(project.root / "scripts" / "work.sh", (future - 100, future - 100))
    why = cli("status", "--why", cwd=project.root).stdout
    assert f"split[sample=s1]: outdated: input {project.root}/data/s1.txt is newer" in why
    # Make judges left[s1] on its own files (it is done until split[s1] publishes anew),
    # and a run re-checks it after split[s1].
    assert "left[sample=s1]: done: checked again once what it reads has run" in why
    project.pipeline(DIAMOND.replace("echo join >>", "echo JOIN >>"))
    project.build()
    why = cli("status", "--why", cwd=project.root).stdout
    assert "join: outdated: recipe changed" in why
    os.utime(project.root / "data" / "s1.txt", (future - 100, future - 100))
    why = cli("status", "--why", cwd=project.root).stdout
    # One line, with what the last success used (its end marker records it).
    assert re.fullmatch(r"join: outdated: recipe changed \(run or a var default it names\) "
                        r"\(attempt 1 used [0-9.]+ s wall, [0-9.]+ s CPU(, peak memory [0-9.]+ MB)?\)\n", why), why


def test_sigkill_during_a_run_is_stale_never_done_and_missing_finishes(project: Project) -> None:
    diamond(project)
    env = {**os.environ, "DELAY": "0.3"}
    proc = subprocess.Popen([str(makegen()), "run", "-j", "2"],
                            cwd=project.root, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    # Killed while the second phase runs (not at a fixed time: how far a run gets in a
    # second depends on the machine), with some of its instances done, others not begun.
    state = project.results / ".makegen" / "state"
    deadline = time.monotonic() + 60
    while not list(state.glob("left/*.ok-*")) + list(state.glob("right/*.ok-*")):
        assert time.monotonic() < deadline and proc.poll() is None, "the second phase never began"
        time.sleep(0.02)
    time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.2)
    report = status_json(project)
    by_state: dict[str, list[str]] = {}
    for instance in report["instances"]:
        by_state.setdefault(instance["state"], []).append(instance["id"])
    assert by_state.get("stale"), f"nothing was caught running: {by_state}"
    assert not by_state.get("running")
    for instance in report["instances"]:
        visible = [o for o in instance["outputs"] if (project.results / o).exists()]
        if instance["state"] == "stale":
            assert not visible, f"{instance['id']} was killed but shows {visible}"
            assert "which is gone" in instance["reason"]
        if instance["state"] == "done":
            assert visible == instance["outputs"]
    done_before = [i["id"] for i in report["instances"] if i["state"] == "done"]
    counts_before = {s: project.counter(s) for s in ("split", "left", "right")}
    assert project.run("--missing", "-j", "2").returncode == 0
    final = status_json(project)
    assert final["summary"]["done"] == 19
    reran = {s: project.counter(s) - counts_before[s] for s in counts_before}
    for step in ("split", "left", "right"):
        done_here = sum(1 for i in done_before if i.startswith(step + "["))
        assert reran[step] == 6 - done_here, f"{step}: re-ran {reran[step]}, {done_here} were done"


def test_status_of_a_moved_copy_is_the_same(project: Project, tmp_path: Path) -> None:
    diamond(project)
    (project.root / "fail" / "right-s5").touch()
    project.run("-k")
    here = status_json(project)
    moved = tmp_path / "moved" / "proj"
    moved.parent.mkdir()
    subprocess.run(["cp", "-a", str(project.root), str(moved)], check=True)
    shutil.rmtree(project.root)
    site = moved / "site.mk"
    site.write_text(f"ROOT_DIR = {moved}\n")
    there = status_json(project, cwd=moved, env={"MAKEGEN_CONFIG": str(site)})
    assert states(there) == states(here)
    assert there["summary"] == here["summary"]


def test_a_torn_marker_is_reported_not_believed(project: Project) -> None:
    diamond(project)
    assert project.run("-j", "2").returncode == 0
    state = project.results / ".makegen" / "state"
    (state / "left" / "s4.failed").write_text("finish")  # a torn write: no exit code
    (state / "right" / "s4.started").write_bytes(b"\x00\xff")
    for ok in (state / "right").glob("s4.ok-*"):
        ok.unlink()
    report = status_json(project)
    by_id = {i["id"]: i for i in report["instances"]}
    assert by_id["left[sample=s4]"]["state"] == "failed"
    assert "unreadable" in by_id["left[sample=s4]"]["problem"]
    assert by_id["right[sample=s4]"]["state"] == "stale"
    assert "unreadable" in by_id["right[sample=s4]"]["problem"]
    # right[s4] will run again (stale); join waits for it, as its Makefile does.
    assert by_id["join"]["state"] == "waiting"
    text = cli("status", cwd=project.root).stdout
    assert "problems with marker files (2)" in text


def test_clean_tmp_removes_leftovers_but_not_a_running_instance(project: Project) -> None:
    diamond(project)
    tmp = project.results / ".makegen" / "tmp" / "split"
    tmp.mkdir(parents=True)
    dead = tmp / "s1=somehost=12345"
    (dead / "out").mkdir(parents=True)
    (dead / "out" / "big").write_bytes(b"x" * 300_000)
    # Another host's attempt is gone once it is older than its task's time limit (24 h here).
    long_ago = time.time() - 2 * 24 * 3600
    os.utime(dead, (long_ago, long_ago))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    proc = subprocess.Popen(["make", "-f", str(project.build_dir / "tasks" / "split.mk"), "sample=s2"],
                            cwd=project.root, env={**env, "DELAY": "3"}, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while not list(tmp.glob("s2=*")):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    listed = cli("clean", "--tmp", "--dry-run", cwd=project.root)
    assert "would remove" in listed.stdout and "s1=somehost=12345" in listed.stdout
    assert "keeping" in listed.stdout and "split[s2] is running" in listed.stdout
    assert dead.exists()
    cleaned = cli("clean", "--tmp", cwd=project.root)
    assert "removed 1 temporary directory, 293.0 KiB freed" in cleaned.stdout
    assert not dead.exists()
    assert list(tmp.glob("s2=*")), "the running instance's directory stays"
    proc.wait()
    assert (project.results / "split" / "s2.txt").exists()


def test_an_input_path_naming_a_var_set_nowhere_reads_as_make_reads_it(project: Project) -> None:
    project.pipeline("""
        [pipeline]
        name = "unset"
        [task.t]
        inputs = ["${NOWHERE}x.txt"]
        outputs = ["o.txt"]
        run = "cp {inputs} {outputs}"
    """)
    project.write("x.txt", "x\n")
    project.build()
    assert states(status_json(project)) == {"t": "pending"}  # no traceback: the var is empty
    ran = project.run()
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert (project.results / "o.txt").read_text() == "x\n"
    assert states(status_json(project)) == {"t": "done"}


USAGE = ("attempt", "wall_s", "cpu_s", "max_rss_mb")


def add_usage(marker: Path, **fields: str) -> None:
    """An end marker with these figures instead of what the node measured."""
    kept = [line for line in marker.read_text().splitlines() if line.split("=", 1)[0] not in USAGE]
    marker.write_text("".join(f"{line}\n" for line in kept)
                      + "".join(f"{name}={value}\n" for name, value in fields.items()))


def test_json_and_why_give_the_last_attempt_s_resource_use(project: Project) -> None:
    diamond(project)
    (project.root / "fail" / "left-s3").touch()
    assert project.run("-k", "-j", "2").returncode == 1
    state = project.results / ".makegen" / "state"
    add_usage(state / "left" / "s3.failed", attempt="2", wall_s="1.5", cpu_s="0.25", max_rss_mb="812.5")
    ok = next((state / "split").glob("s1.ok-*"))
    add_usage(ok, attempt="1", wall_s="75", cpu_s="", max_rss_mb="3.25")
    by_id = {i["id"]: i for i in status_json(project)["instances"]}
    assert {k: by_id["left[sample=s3]"][k] for k in ("attempt", "wall_s", "cpu_s", "max_rss_mb")} == \
        {"attempt": 2, "wall_s": 1.5, "cpu_s": 0.25, "max_rss_mb": 812.5}
    assert {k: by_id["split[sample=s1]"][k] for k in ("attempt", "wall_s", "cpu_s", "max_rss_mb")} == \
        {"attempt": 1, "wall_s": 75.0, "cpu_s": None, "max_rss_mb": 3.25}
    # What the node measured itself: the attempt, wall and CPU time (and peak RSS with GNU time).
    right = by_id["right[sample=s1]"]
    assert right["attempt"] == 1 and right["wall_s"] >= 0 and right["cpu_s"] >= 0, right
    # A marker of a node that measured nothing (an older makegen): every figure is null.
    add_usage(next((state / "right").glob("s1.ok-*")))
    by_id = {i["id"]: i for i in status_json(project)["instances"]}
    assert {by_id["right[sample=s1]"][k] for k in USAGE} == {None}
    why = cli("status", "--why", cwd=project.root).stdout
    line = next(line for line in why.splitlines() if line.startswith("left[sample=s3]: failed"))
    assert line.endswith(" (attempt 2 used 1.5 s wall, 0.2 s CPU, peak memory 812 MB)"), line
    # An outdated instance says what its last success used.
    future = time.time() + 10
    os.utime(project.root / "data" / "s1.txt", (future, future))
    why = cli("status", "--why", cwd=project.root).stdout
    assert "split[sample=s1]: outdated: input" in why
    assert "(attempt 1 used 1.2 min wall, peak memory 3.2 MB)" in why
