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

@pytest.mark.xfail(strict=True, reason="issue 10 case 1: a folder where a file output goes: "
                   "the other output is already published, no failed marker, status says stale")
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

@pytest.mark.xfail(strict=True, reason="issue 10 case 2: disk full: the failed marker cannot be "
                   "written, *.failed.tmp.<pid> is left behind, job.sh exits 2 and status says stale")
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


@pytest.mark.xfail(strict=True, reason="issue 10 case 4: two attempts of one instance both run the "
                   "command; .ok- and .failed markers both remain; status says failed, make up to date")
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

@pytest.mark.xfail(strict=True, reason="issue 10 case 5: outputs under a symlink to another "
                   "filesystem are staged on OUTPUT_DIR's filesystem and published by a copy")
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

@pytest.mark.xfail(strict=True, reason="issue 10 case 6: a rebuild during `makegen run` changes what "
                   "manifest line N means: one instance is skipped")
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
