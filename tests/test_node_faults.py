"""Issue 10: faults on the node side (publish, full disk, clean, concurrent attempts, scratch, rebuilds).

Black-box only: the CLI, make, job.sh, files on disk, exit codes and stderr. Several tests
mount a small tmpfs (the tests run as root) and always unmount it, even when they fail.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from conftest import Project, cli

REPO = Path(__file__).resolve().parent.parent


def _makegen() -> str:
    """The makegen the rest of the suite runs (the installed wheel once tests/installed.py exists)."""
    try:
        from installed import makegen  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return str(REPO / ".venv" / "bin" / "makegen")
    return str(makegen())


def _clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    return {**env, **(extra or {})}


def _wait_for(path: Path, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def _instance(project: Project, ident: str) -> dict[str, Any]:
    """One instance of `makegen status --json`."""
    result = cli("status", "--json", cwd=project.root)
    assert result.exit_code == 0, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    by_id: dict[str, dict[str, Any]] = {i["id"]: i for i in report["instances"]}
    return by_id[ident]


def _stop(proc: subprocess.Popen[str]) -> None:
    """Kill a background process group we started (only when a test left it running)."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextmanager
def _tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], check=False)


# -- case 1 -------------------------------------------------------------------------------------

def test_folder_in_place_of_a_file_output_publishes_nothing_and_fails(project: Project) -> None:
    project.pipeline("""
        [pipeline]
        name = "clash"
        [task.pair]
        outputs = { one = "one.txt", two = "two.txt" }
        run = "echo new > {outputs.one}; echo new > {outputs.two}"
    """)
    project.build()
    (project.results / "two.txt").mkdir(parents=True)
    (project.results / "one.txt").write_text("old\n")
    result = project.run()
    assert result.returncode == 1, result.stdout + result.stderr
    said = result.stdout + result.stderr
    assert "two.txt" in said, said
    assert (project.results / "one.txt").read_text() == "old\n", "a partial publish happened"
    assert (project.results / "two.txt").is_dir()
    pair = _instance(project, "pair")
    assert pair["state"] == "failed", pair
    assert "two.txt" in pair.get("reason", ""), pair


# -- case 2 -------------------------------------------------------------------------------------

def test_full_disk_ends_failed_without_leftover_marker_temporaries(project: Project, tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "full", "2m") as out:
        project.pipeline(f"""
            [pipeline]
            name = "full"
            output = "{out}"
            [task.fill]
            outputs = ["big.bin"]
            run = "head -c 3000000 /dev/zero > {{outputs}}"
        """)
        project.build()
        manifest = project.build_dir / "manifests" / "phase-1" / "fill.txt"
        job = subprocess.run(["bash", str(project.build_dir / "jobs" / "job.sh"), str(project.build_dir),
                              str(manifest), "1"], cwd=project.root, capture_output=True, text=True,
                             env=_clean_env(), check=False, timeout=60)
        assert job.returncode == 1, f"job.sh exit {job.returncode}: {job.stderr}"
        assert "fill failed" in job.stderr, job.stderr
        leftovers = [p.name for p in (out / ".makegen").rglob("*.tmp.*")]
        assert not leftovers, f"temporary marker files left behind: {leftovers}"
        assert not (out / "big.bin").exists()
        fill = _instance(project, "fill")
        assert fill["state"] == "failed", fill


# -- case 3 -------------------------------------------------------------------------------------

def test_clean_tmp_spares_a_running_instance_that_status_calls_blocked(project: Project) -> None:
    project.pipeline("""
        [pipeline]
        name = "busy"
        [task.up]
        inputs = ["data/in.txt"]
        outputs = ["up.txt"]
        run = "cat {inputs} > {outputs}"
        [task.down]
        inputs = ["up.txt"]
        outputs = ["down.txt"]
        run = "cat {inputs} > {outputs}; while [ ! -e flag ]; do sleep 0.05; done"
    """)
    project.write("data/in.txt", "in\n")
    project.build()
    proc = subprocess.Popen([_makegen(), "run"], cwd=project.root, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        _wait_for(project.results / ".makegen" / "state" / "down" / "_.started")
        tmp = project.results / ".makegen" / "tmp" / "down"
        _wait_for(tmp)
        # An upstream input changes while `down` runs: `up` is outdated, so status calls
        # `down` blocked, but its job is still alive and holds its temporary folder.
        later = time.time() + 5
        os.utime(project.root / "data" / "in.txt", (later, later))
        cleaned = cli("clean", "--tmp", cwd=project.root)
        assert cleaned.exit_code == 0, cleaned.stderr
        assert list(tmp.iterdir()), "the running instance's temporary folder was removed"
        (project.root / "flag").touch()
        output, _ = proc.communicate(timeout=60)
    finally:
        (project.root / "flag").touch()
        _stop(proc)
    assert proc.returncode == 0, output
    assert (project.results / "down.txt").read_text() == "in\n"


# -- case 4 -------------------------------------------------------------------------------------

ATTEMPTS = r"""
[pipeline]
name = "twice"
[task.one]
outputs = ["out.txt"]
run = 'echo "start $ATTEMPT" >> counts/trace; sleep 0.3; echo "end $ATTEMPT" >> counts/trace; if [ -n "${FAIL:-}" ]; then exit 5; fi; echo $ATTEMPT > {outputs}'
"""


def test_two_attempts_at_once_run_the_command_once_and_markers_agree_with_make(project: Project) -> None:
    project.pipeline(ATTEMPTS)
    (project.root / "counts").mkdir()
    project.build()
    mk = str(project.build_dir / "tasks" / "one.mk")
    state = project.results / ".makegen" / "state" / "one"
    trace = project.root / "counts" / "trace"
    for round_ in range(10):
        (project.results / "out.txt").unlink(missing_ok=True)
        trace.unlink(missing_ok=True)
        envs = [_clean_env({"ATTEMPT": "good"}), _clean_env({"ATTEMPT": "bad", "FAIL": "1"})]
        if round_ % 2:
            envs.reverse()
        procs = [subprocess.Popen(["make", "-f", mk], cwd=project.root, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  start_new_session=True) for env in envs]
        try:
            for proc in procs:
                proc.communicate(timeout=60)
        finally:
            for proc in procs:
                _stop(proc)
        lines = trace.read_text().splitlines()
        # Never both at once: every start is followed by its own end.
        pairs = [lines[i:i + 2] for i in range(0, len(lines), 2)]
        assert all(len(p) == 2 and p[0].split()[1] == p[1].split()[1] and p[0].startswith("start")
                   and p[1].startswith("end") for p in pairs), f"round {round_}: overlap {lines}"
        if lines[0] == "start good":
            assert lines == ["start good", "end good"], f"round {round_}: ran again after a success"
        # Whatever the order, the good attempt ran last or alone: the instance is done, and
        # markers, status and make say so together.
        assert (project.results / "out.txt").read_text() == "good\n", f"round {round_}"
        assert list(state.glob("_.ok-*")), f"round {round_}: no ok marker"
        assert not (state / "_.failed").exists(), f"round {round_}: a failed marker beside the ok one"
        up_to_date = subprocess.run(["make", "-q", "-f", mk], cwd=project.root, env=_clean_env(),
                                    capture_output=True, check=False).returncode == 0
        assert up_to_date, f"round {round_}: make would run it again"
        assert _instance(project, "one")["state"] == "done", f"round {round_}: {lines}"


# -- case 5 -------------------------------------------------------------------------------------

def test_output_under_a_symlink_to_another_filesystem_is_staged_there(project: Project, tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "scratchfs", "8m") as scratch:
        project.pipeline("""
            [pipeline]
            name = "scratch"
            [task.big]
            outputs = ["scratch/big.txt"]
            run = 'd=$(dirname {outputs}); stat -c %d "$d" > staged-dev.txt; echo data > {outputs}'
        """)
        project.build()
        project.results.mkdir()
        (project.results / "scratch").symlink_to(scratch)
        result = project.run()
        assert result.returncode == 0, result.stdout + result.stderr
        assert (scratch / "big.txt").read_text() == "data\n"
        staged = int((project.root / "staged-dev.txt").read_text())
        assert staged == os.stat(scratch).st_dev, (
            f"staged on device {staged}, destination is on {os.stat(scratch).st_dev}: "
            "publishing is a copy, not a rename")


# -- case 6 -------------------------------------------------------------------------------------

def test_rebuild_during_run_does_not_change_what_the_run_runs(project: Project) -> None:
    project.pipeline("""
        [pipeline]
        name = "moving"
        [params]
        sample = { file = "samples.txt" }
        [task.each]
        outputs = ["out/{sample}.txt"]
        run = "echo {sample} >> counts/{sample}; if [ {sample} = a ]; then while [ ! -e flag ]; do sleep 0.05; done; fi; echo {sample} > {outputs}"
    """)
    project.write("samples.txt", "a\nb\nc\n")
    (project.root / "counts").mkdir()
    project.build()
    proc = subprocess.Popen([_makegen(), "run", "-j", "1"], cwd=project.root, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        _wait_for(project.root / "counts" / "a")
        project.write("samples.txt", "z\na\nb\nc\n")
        project.build()
        (project.root / "flag").touch()
        output, _ = proc.communicate(timeout=60)
    finally:
        (project.root / "flag").touch()
        _stop(proc)
    assert proc.returncode == 0, output
    ran = {s: project.counter(s) for s in ("a", "b", "c")}
    assert ran == {"a": 1, "b": 1, "c": 1}, f"{ran}\n{output}"


# -- fault injection at every step of the node's code --------------------------------------------

FAULTY = r"""
[pipeline]
name = "faulty"
[task.multi]
outputs = { a = "res/a.txt", b = "res/b.txt", d = "res/d/" }
run = 'seq 1 20000 > {outputs.a}; if [ -n "${KILL_MID:-}" ]; then bash "$KILL_MID" $BASHPID; fi; seq 5 30000 > {outputs.b}; seq 1 100 > {outputs.d}/x'
"""

# What a clean run writes, by output path under results/.
EXPECTED = {"res/a.txt": "".join(f"{i}\n" for i in range(1, 20001)),
            "res/b.txt": "".join(f"{i}\n" for i in range(5, 30001)),
            "res/d/x": "".join(f"{i}\n" for i in range(1, 101))}

# The steps of lib.sh, in the order a run passes them (makegen_step IDs); before `markers` the
# attempt does not hold the lock yet (the lock is the start marker), so it must record nothing.
STEPS = ["setup", "destinations", "lock", "markers", "command", "publish.check", "publish.folders",
         "publish.0", "publish.1", "publish.2", "marker.ok", "marker.ok.written"]
UNLOCKED = {"setup", "destinations", "lock"}
# Once the success marker is whole the instance is done: a kill after it changes nothing.
AFTER_SUCCESS = {"marker.ok.written"}


# Kills the attempt that runs the command whose pid it is given, as a node's OOM killer or an
# operator would: the command and every process above it up to the task script (run by make)
# or the shell of job.sh that runs the command, but not job.sh itself, which runs the attempt.
KILLER = r"""
pid=$1 chain=() marked=
while [[ -r /proc/$pid/cmdline ]]; do
  cmd=$(tr '\0' ' ' </proc/$pid/cmdline)
  if [[ $cmd == *jobs/job.sh* || $cmd == *tasks/*.sh* ]]; then
    marked=$cmd
  elif [[ -n $marked ]]; then
    break
  fi
  chain+=("$pid")
  read -r _ _ _ pid _ </proc/$pid/stat
done
if [[ $marked == *jobs/job.sh* ]]; then unset 'chain[${#chain[@]}-1]'; fi
# All stopped first, then killed: the task script must not see its command die and clean up
# (a killed attempt records nothing) before its own kill arrives.
kill -STOP "${chain[@]}"
kill -KILL "${chain[@]}"
"""


def _killer(project: Project) -> str:
    return str(project.write("tools/kill_attempt.sh", KILLER))


def _job(project: Project, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Line 1 of the task's manifest through jobs/job.sh, as an array task would run it."""
    manifest = project.build_dir / "manifests" / "phase-1" / "multi.txt"
    return subprocess.run(["bash", str(project.build_dir / "jobs" / "job.sh"), str(project.build_dir),
                           str(manifest), "1"], cwd=project.root, capture_output=True, text=True,
                          env=_clean_env(env), check=False, timeout=60)


def _entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _assert_nothing_half_written(project: Project) -> None:
    for rel, text in EXPECTED.items():
        path = project.results / rel
        if path.exists():
            assert path.read_text() == text, f"{rel} is half-written"


def _held_locks(state: Path) -> list[str]:
    """The locks in a state folder that no success marker lets go. (One that is let go stays
    when a job is killed between an instance's success and the job's end, which removes the
    let-go locks of its element: harmless, the next attempt takes it over at once.)"""
    oks = [p.read_text() for p in state.glob("*.ok-*")]
    return [p.name for p in state.glob("*.started")
            if not any(ok.startswith(p.read_text()) for ok in oks)]


def _assert_rerun_equals_a_clean_run(project: Project) -> None:
    result = project.run()
    assert result.returncode == 0, result.stdout + result.stderr
    for rel, text in EXPECTED.items():
        assert (project.results / rel).read_text() == text, rel
    own = project.results / ".makegen"
    assert not _held_locks(own / "state" / "multi"), "a lock was left behind"
    assert _instance(project, "multi")["state"] == "done"
    cleaned = cli("clean", "--tmp", cwd=project.root)
    assert cleaned.exit_code == 0, cleaned.stderr
    assert not _entries(own / "tmp" / "multi"), "clean --tmp left a dead attempt's folder"


@pytest.mark.parametrize("step", STEPS)
def test_a_step_of_makegen_that_fails_ends_the_instance_failed_and_publishes_nothing(
        project: Project, step: str) -> None:
    project.pipeline(FAULTY)
    project.build()
    job = _job(project, {"MAKEGEN_TEST_FAULT": step})
    assert job.returncode == 1, f"job.sh exit {job.returncode}: {job.stderr}"
    assert "multi failed" in job.stderr and "before running" not in job.stderr, job.stderr
    for rel in EXPECTED:
        assert not (project.results / rel).exists(), f"{rel} was published by a failed attempt"
    own = project.results / ".makegen"
    # make takes a success marker that exists for done, whatever it holds.
    assert not list((own / "state" / "multi").glob("*.ok-*")), "a failed attempt left a success marker"
    assert not [p.name for p in own.rglob("*.tmp.*")], "a temporary marker was left behind"
    assert not _entries(own / "tmp" / "multi"), "the temporary folder was left behind"
    multi = _instance(project, "multi")
    if step in UNLOCKED:
        assert multi["state"] == "pending", multi
    else:
        assert multi["state"] == "failed", multi
        assert "failed: `" in multi.get("reason", ""), multi
    _assert_rerun_equals_a_clean_run(project)


@pytest.mark.parametrize("step", [*STEPS, "in-command"])
def test_a_sigkill_at_any_step_leaves_nothing_half_written_and_a_state_run_resolves(
        project: Project, step: str) -> None:
    project.pipeline(FAULTY)
    project.build()
    env = {"KILL_MID": _killer(project)} if step == "in-command" else {"MAKEGEN_TEST_FAULT": f"kill:{step}"}
    job = _job(project, env)
    # The attempt runs in the job's own shell: a SIGKILL there (what a scheduler sends) ends
    # the job with it. The command killed alone is a failure the job records and reports.
    expected = 1 if step == "in-command" else -signal.SIGKILL
    assert job.returncode == expected, f"job.sh exit {job.returncode}: {job.stderr}"
    assert "before running" not in job.stderr, job.stderr
    _assert_nothing_half_written(project)
    instance = _instance(project, "multi")
    if step == "in-command":
        # job.sh outlives its command: the attempt is recorded failed, with the signal's code.
        assert instance["state"] == "failed" and "code 137" in instance.get("reason", ""), instance
    else:
        assert instance["state"] in ({"done"} if step in AFTER_SUCCESS else {"pending", "stale"}), instance
    _assert_rerun_equals_a_clean_run(project)


def test_a_failure_marker_that_cannot_be_written_still_says_failed(project: Project) -> None:
    project.pipeline(FAULTY.replace("seq 1 100 > {outputs.d}/x'", "seq 1 100 > {outputs.d}/x; exit 7'"))
    project.build()
    job = _job(project, {"MAKEGEN_TEST_FAULT": "marker.failed"})
    assert job.returncode == 1, job.stderr
    assert "multi failed: the command exited with code 7" in job.stderr, job.stderr
    assert "cannot write" in job.stderr, job.stderr
    own = project.results / ".makegen"
    assert not [p.name for p in own.rglob("*.tmp.*")]
    assert _instance(project, "multi")["state"] == "failed"


def test_a_failed_publish_puts_back_the_folder_output_it_replaced(project: Project) -> None:
    project.pipeline(FAULTY)
    project.build()
    assert project.run().returncode == 0
    (project.results / "res" / "d" / "old").write_text("old\n")
    os.utime(project.build_dir / "tasks" / "multi.sh")  # nothing: force a re-run by an output
    (project.results / "res" / "a.txt").unlink()
    job = _job(project, {"MAKEGEN_TEST_FAULT": "marker.ok"})
    assert job.returncode == 1, job.stderr
    assert (project.results / "res" / "d" / "old").read_text() == "old\n", "the old folder is gone"
    assert not (project.results / "res" / "a.txt").exists()
    assert _instance(project, "multi")["state"] == "failed"


# -- the lock -----------------------------------------------------------------------------------

def _hold_lock(project: Project, task: str, key: str, host: str, pid: int, epoch: int) -> Path:
    """The lock (the start marker) of an attempt that `host` started at `epoch`."""
    lock = project.results / ".makegen" / "state" / task / f"{key}.started"
    lock.parent.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch))
    lock.write_text(f"started={stamp}\nhost={host}\npid={pid}\njob=\nepoch={epoch}\n")
    return lock


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_lock_whose_holder_is_gone_is_taken_over(project: Project) -> None:
    import socket
    project.pipeline(ATTEMPTS)
    (project.root / "counts").mkdir()
    project.build()
    _hold_lock(project, "one", "_", socket.gethostname(), _dead_pid(), int(time.time()))
    done = project.make("one", env={"ATTEMPT": "here"})
    assert done.returncode == 0, done.stderr
    assert (project.results / "out.txt").read_text() == "here\n"
    assert "takes over" in (project.results / ".makegen" / "logs" / "one" / "_.log").read_text()
    # Another host's lock, older than the task's time limit (24 h without resources.time).
    (project.results / "out.txt").unlink()
    _hold_lock(project, "one", "_", "elsewhere", 1, int(time.time()) - 25 * 3600)
    assert project.make("one", env={"ATTEMPT": "again"}).returncode == 0
    assert (project.results / "out.txt").read_text() == "again\n"


def test_the_lock_of_an_attempt_that_succeeded_is_taken_at_once_whatever_its_mtime(project: Project) -> None:
    """A success leaves its lock (job.sh removes it when its element ends); a node that runs the
    instance again meanwhile takes it at once. Let go is told by content: on a filesystem
    that keeps whole seconds, the lock and its success marker have the same mtime."""
    project.pipeline(ATTEMPTS)
    (project.root / "counts").mkdir()
    project.build()
    assert project.make("one", env={"ATTEMPT": "first"}).returncode == 0
    state = project.results / ".makegen" / "state" / "one"
    (ok,) = state.glob("_.ok-*")
    lock = _hold_lock(project, "one", "_", "elsewhere", 1, int(time.time()))
    ok.write_text(lock.read_text() + "finished=x\nexit=0\n")
    stamp = int(time.time()) - 60
    for path in (lock, ok):
        os.utime(path, (stamp, stamp))
    (project.results / "out.txt").unlink()
    again = subprocess.run(["make", "-f", str(project.build_dir / "tasks" / "one.mk")], cwd=project.root,
                           env=_clean_env({"ATTEMPT": "second"}), capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert (project.results / "out.txt").read_text() == "second\n"
    log = (project.results / ".makegen" / "logs" / "one" / "_.log").read_text()
    assert "waits for" not in log, log
    assert not lock.exists(), "the task script, alone, lets go of its lock when it ends"


def test_a_live_lock_on_another_host_is_waited_for(project: Project) -> None:
    project.pipeline(ATTEMPTS)
    (project.root / "counts").mkdir()
    project.build()
    lock = _hold_lock(project, "one", "_", "elsewhere", 1, int(time.time()))
    proc = subprocess.Popen(["make", "-f", str(project.build_dir / "tasks" / "one.mk")], cwd=project.root,
                            env=_clean_env({"ATTEMPT": "late"}), text=True, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        log = project.results / ".makegen" / "logs" / "one" / "_.log"
        _wait_for(log)
        deadline = time.monotonic() + 20
        while "waits for" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        time.sleep(0.5)
        assert proc.poll() is None and not (project.root / "counts" / "trace").exists()
        running = _instance(project, "one")
        # status shows the attempt that holds the lock
        assert running["state"] == "running" and running["host"] == "elsewhere", running
        lock.unlink()  # the holder lets go
        output, _ = proc.communicate(timeout=60)
    finally:
        _stop(proc)
    assert proc.returncode == 0, output
    assert (project.results / "out.txt").read_text() == "late\n"


def test_locks_of_values_that_share_a_prefix_are_apart(project: Project) -> None:
    project.pipeline("""
        [pipeline]
        name = "dots"
        [params]
        v = ["a", "a.ok-0", "a.failed"]
        [task.t]
        outputs = ["out/{v}.txt"]
        run = "echo {v} > {outputs}"
    """)
    project.build()
    for key in ("a.ok-0", "a.failed"):
        _hold_lock(project, "t", key, "elsewhere", 1, int(time.time()))
    done = project.make("t", "v=a")
    assert done.returncode == 0, done.stderr
    assert (project.results / "out" / "a.txt").read_text() == "a\n"
    report = {i["key"]: i["state"] for i in json.loads(cli("status", "--json", cwd=project.root).stdout)["instances"]}
    assert report == {"a": "done", "a.ok-0": "running", "a.failed": "running"}, report


# -- clean --tmp --------------------------------------------------------------------------------

def test_clean_tmp_removes_only_folders_whose_holder_is_gone(project: Project) -> None:
    import socket
    project.pipeline("""
        [pipeline]
        name = "leftovers"
        [task.t]
        outputs = ["t.txt"]
        run = "echo t > {outputs}"
        resources = { time = "10m" }
    """)
    project.build()
    tmp = project.results / ".makegen" / "tmp" / "t"
    here = socket.gethostname()
    # A live process that looks like the task's script, as status and clean check.
    alive = subprocess.Popen(["bash", "-c", "sleep 30; true", "tasks/t.sh"])
    try:
        folders = {name: tmp / name for name in (f"_={here}={_dead_pid()}", f"_={here}={alive.pid}",
                                                 "_=elsewhere=1", "_=elsewhere=2")}
        for path in folders.values():
            (path / "out").mkdir(parents=True)
        old = time.time() - 16 * 60  # older than 10 min plus the grace
        os.utime(folders["_=elsewhere=1"], (old, old))
        result = cli("clean", "--tmp", cwd=project.root)
    finally:
        alive.kill()
        alive.wait()
    assert result.exit_code == 0, result.stderr
    left = sorted(p.name for p in tmp.iterdir())
    assert left == sorted([f"_={here}={alive.pid}", "_=elsewhere=2"]), (left, result.stdout)


def test_clean_tmp_spares_an_old_folder_whose_attempt_on_another_host_holds_its_lock(project: Project) -> None:
    """A job makes the folders of its array element's instances when it begins: by the time
    an instance runs, its folder may be older than the time limit. Its lock says otherwise."""
    project.pipeline("""
        [pipeline]
        name = "leftovers"
        [params]
        s = ["a", "b"]
        [task.t]
        outputs = ["t/{s}.txt"]
        run = "echo t > {outputs}"
        resources = { time = "10m" }
    """)
    project.build()
    tmp = project.results / ".makegen" / "tmp" / "t"
    state = project.results / ".makegen" / "state" / "t"
    state.mkdir(parents=True)
    old = time.time() - 16 * 60  # older than 10 min plus the grace
    for key in ("a", "b"):
        folder = tmp / f"{key}=elsewhere=7"
        folder.mkdir(parents=True)
        os.utime(folder, (old, old))
    now = int(time.time())
    began = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - 60))
    # a's attempt on that host began a minute ago and holds a's lock; b's lock is of another host.
    for key, host in (("a", "elsewhere"), ("b", "thirdhost")):
        (state / f"{key}.started").write_text(
            f"started={began}\nhost={host}\npid=7\npidstart=1\njob=\nepoch={now - 60}\nattempt=1\n")
        os.utime(state / f"{key}.started", (now - 60, now - 60))
    result = cli("clean", "--tmp", cwd=project.root)
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp.iterdir()) == ["a=elsewhere=7"], result.stdout


# -- staging beside a destination on another filesystem ----------------------------------------

def test_staging_folders_on_another_filesystem_are_removed_or_cleaned(project: Project, tmp_path: Path) -> None:
    with _tmpfs(tmp_path / "otherfs", "8m") as other:
        project.pipeline("""
            [pipeline]
            name = "staged"
            [task.s]
            outputs = ["far/s.txt"]
            run = 'echo data > {outputs}; if [ -n "${FAIL:-}" ]; then exit 3; fi; if [ -n "${KILL_MID:-}" ]; then bash "$KILL_MID" $BASHPID; fi'
        """)
        project.build()
        project.results.mkdir()
        (project.results / "far").symlink_to(other)
        assert project.make("s", env={"FAIL": "1"}).returncode != 0
        assert list(other.iterdir()) == [], "a failed attempt left its staging folder"
        assert project.make("s", env={"KILL_MID": _killer(project)}).returncode != 0
        assert [p.name for p in other.iterdir() if p.name.startswith(".makegen-stage.")]
        cleaned = cli("clean", "--tmp", cwd=project.root)
        assert cleaned.exit_code == 0, cleaned.stderr
        assert list(other.iterdir()) == [], "clean --tmp left the staging folder of a killed attempt"
        assert project.run().returncode == 0
        assert (other / "s.txt").read_text() == "data\n"


def test_a_pid_reused_by_a_later_process_is_not_the_holder(project: Project) -> None:
    """A live process with the recorded pid that started after the attempt is another one:
    status calls the attempt stale, clean --tmp removes its folder, a node takes its lock over."""
    import socket
    project.pipeline(ATTEMPTS)
    (project.root / "counts").mkdir()
    project.build()
    here = socket.gethostname()
    later = subprocess.Popen(["sleep", "30"])
    try:
        # Recorded an hour ago, by "pid `later`" (with another start time than its own).
        lock = _hold_lock(project, "one", "_", here, later.pid, int(time.time()) - 3600)
        lock.write_text(lock.read_text() + "pidstart=1\n")
        one = _instance(project, "one")
        assert one["state"] == "stale", one
        folder = project.results / ".makegen" / "tmp" / "one" / f"_={here}={later.pid}"
        (folder / "out").mkdir(parents=True)
        old = time.time() - 3600
        os.utime(folder, (old, old))
        cleaned = cli("clean", "--tmp", cwd=project.root)
        assert cleaned.exit_code == 0, cleaned.stderr
        assert not folder.exists(), "a folder older than the live process that has its pid was kept"
        done = project.make("one", env={"ATTEMPT": "after"})
        assert done.returncode == 0, done.stderr
        assert "takes over" in (project.results / ".makegen" / "logs" / "one" / "_.log").read_text()
    finally:
        later.kill()
        later.wait()
