"""End to end with real make and bash: running, re-running, and the rules of re-running."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from conftest import Project, cli

CHAIN = """
[pipeline]
name = "chain"

[vars]
GREETING = "hello"

[params]
sample = ["A", "B", "C"]

[task.first]
inputs = {{ data = "data/{{sample}}.txt" }}
outputs = {{ out = "first/{{sample}}.txt" }}
code = ["scripts/first.sh"]
run = "echo first >> counts/first; bash scripts/first.sh {{inputs.data}} > {{outputs.out}}"

[task.second]
inputs = {{ prev = "first/{{sample}}.txt" }}
outputs = {{ out = "second/{{sample}}.txt" }}
run = "{second_run}"

[task.gather]
inputs = {{ all = "second/{{sample}}.txt" }}
outputs = {{ out = "all.txt" }}
run = "echo gather >> counts/gather; cat {{inputs.all}} > {{outputs.out}}"
"""

SECOND = "echo second >> counts/second; (echo ${GREETING}; cat {inputs.prev}) > {outputs.out}"


def make_chain(project: Project, second_run: str = SECOND) -> None:
    project.pipeline(CHAIN.format(second_run=second_run))
    if (project.root / "counts").exists():
        return  # a changed pipeline: leave inputs and scripts (and their mtimes) alone
    for sample in "ABC":
        project.write(f"data/{sample}.txt", f"data of {sample}\n")
    project.write("scripts/first.sh", "tr a-z A-Z < \"$1\"\n")
    (project.root / "counts").mkdir()


def counts(project: Project) -> tuple[int, int, int]:
    return project.counter("first"), project.counter("second"), project.counter("gather")


def bump(path: Path) -> None:
    """Make a file newer than everything already written (mtime granularity safe)."""
    future = time.time() + 5
    os.utime(path, (future, future))


def test_runs_end_to_end_and_second_run_runs_nothing(project: Project) -> None:
    make_chain(project)
    project.build()
    first = project.run("-j", "2")
    assert first.returncode == 0, first.stdout + first.stderr
    assert (project.results / "all.txt").read_text() == "".join(
        f"hello\nDATA OF {s}\n" for s in "ABC")
    assert counts(project) == (3, 3, 1)
    again = project.run()
    assert again.returncode == 0
    assert "ran 0, up to date 7" in again.stdout
    assert counts(project) == (3, 3, 1)


def test_touching_one_input_reruns_only_that_instance_and_downstream(project: Project) -> None:
    make_chain(project)
    project.build()
    assert project.run().returncode == 0
    bump(project.root / "data" / "B.txt")
    assert project.run().returncode == 0
    assert counts(project) == (4, 4, 2)


def test_changing_a_code_file_reruns_every_instance_of_its_task(project: Project) -> None:
    make_chain(project)
    project.build()
    assert project.run().returncode == 0
    bump(project.root / "scripts" / "first.sh")
    assert project.run().returncode == 0
    assert counts(project) == (6, 6, 2)


def test_changing_run_reruns_that_task_and_dependents_only(project: Project) -> None:
    make_chain(project)
    project.build()
    assert project.run().returncode == 0
    make_chain(project, SECOND.replace("cat {inputs.prev}", "cat {inputs.prev} {inputs.prev}"))
    project.build()
    assert project.run().returncode == 0
    assert counts(project) == (3, 6, 2)


def test_changing_a_var_default_named_in_run_reruns_that_task(project: Project) -> None:
    make_chain(project)
    project.build()
    assert project.run().returncode == 0
    text = (project.root / "pipeline.toml").read_text().replace('"hello"', '"bonjour"')
    project.pipeline(text)
    project.build()
    assert project.run().returncode == 0
    assert counts(project) == (3, 6, 2)
    assert (project.results / "all.txt").read_text().startswith("bonjour\n")


def test_overriding_a_var_at_run_time_reruns_nothing(project: Project) -> None:
    make_chain(project)
    project.build()
    assert project.run().returncode == 0
    assert project.run(env={"GREETING": "hi"}).returncode == 0
    assert counts(project) == (3, 3, 1)


def test_build_copied_without_mtimes_reruns_nothing(project: Project) -> None:
    make_chain(project)
    project.build()
    assert project.run().returncode == 0
    time.sleep(1.1)
    copy = project.root / "build-copy"
    shutil.copytree(project.build_dir, copy, copy_function=shutil.copyfile)
    shutil.rmtree(project.build_dir)
    copy.rename(project.build_dir)
    assert project.run().returncode == 0
    assert counts(project) == (3, 3, 1)


def test_rebuilding_an_unchanged_pipeline_rewrites_no_file(project: Project) -> None:
    make_chain(project)
    project.build()
    before = {p: p.stat().st_mtime_ns for p in project.build_dir.rglob("*") if p.is_file()}
    time.sleep(0.05)
    result = project.build()
    after = {p: p.stat().st_mtime_ns for p in project.build_dir.rglob("*") if p.is_file()}
    assert before == after
    assert "(0 files changed)" in result.stdout


def test_a_failed_build_leaves_the_previous_build_intact(project: Project) -> None:
    make_chain(project)
    project.build()
    before = {p: p.read_bytes() for p in project.build_dir.rglob("*") if p.is_file()}
    text = (project.root / "pipeline.toml").read_text()
    project.pipeline(text.replace('outputs = { out = "all.txt" }', 'outputs = { out = "../all.txt" }'))
    result = cli("build", cwd=project.root)
    assert result.exit_code == 2
    assert "output '../all.txt' leaves or misnames a folder of OUTPUT_DIR" in result.stderr
    after = {p: p.read_bytes() for p in project.build_dir.rglob("*") if p.is_file()}
    assert before == after


def test_up_to_date_instance_does_nothing_and_exits_zero(project: Project) -> None:
    make_chain(project)
    project.build()
    assert project.run().returncode == 0
    again = project.make("first", "sample=A")
    assert again.returncode == 0, again.stderr
    assert project.counter("first") == 3


def test_make_runs_one_instance_from_any_directory(project: Project, tmp_path: Path) -> None:
    make_chain(project)
    project.build()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = project.make("first", "sample=B", cwd=elsewhere)
    assert result.returncode == 0, result.stderr
    assert (project.results / "first" / "B.txt").read_text() == "DATA OF B\n"
    assert not (project.results / "first" / "A.txt").exists()


def test_missing_upstream_output_fails_at_once_naming_the_task(project: Project) -> None:
    make_chain(project)
    project.build()
    result = project.make("second", "sample=A")
    assert result.returncode != 0
    assert "missing output of task first" in result.stderr
    assert "second[sample=A] is blocked" in result.stderr
    assert project.counter("second") == 0
    assert (project.results / ".makegen" / "state" / "second" / "A.blocked").exists()


def test_missing_external_input_is_named(project: Project) -> None:
    make_chain(project)
    project.build()
    (project.root / "data" / "C.txt").unlink()
    result = project.make("first", "sample=C")
    assert result.returncode != 0
    assert f"missing input file: {project.root}/data/C.txt" in result.stderr


def test_make_without_the_params_says_how_to_call_it(project: Project) -> None:
    make_chain(project)
    project.build()
    result = project.make("first")
    assert result.returncode != 0
    assert "make -f" in result.stderr and "first.mk sample=VALUE" in result.stderr


def test_failure_records_exit_code_and_blocks_dependents_keep_going(project: Project) -> None:
    make_chain(project, SECOND.replace("(echo", "test {sample} != B; (echo"))
    project.build()
    result = project.run("-k", "-j", "2")
    assert result.returncode == 1
    assert "failed: second[sample=B]: the command exited with code 1\n" in result.stdout
    # Named once, with its log and the command's own last lines, not the wrapper's trace.
    assert result.stdout.count("second[sample=B]: the command exited") == 1
    assert "  log: results/.makegen/logs/second/B.log\n" in result.stdout
    assert "job.sh:" not in result.stdout
    assert "ran 5, up to date 0, failed 1, blocked 1" in result.stdout
    state = project.results / ".makegen" / "state"
    failed = (state / "second" / "B.failed").read_text()
    assert "exit=1" in failed
    assert (project.results / "second" / "A.txt").exists()
    assert (project.results / "second" / "C.txt").exists()
    assert not (project.results / "all.txt").exists()
    assert "task second has not finished: second[sample=B]" in (state / "gather" / "_.blocked").read_text()
    log = (project.results / ".makegen" / "logs" / "second" / "B.log").read_text()
    assert "+ test B '!=' B" in log


def test_without_keep_going_a_failure_stops_the_run(project: Project) -> None:
    make_chain(project, SECOND.replace("(echo", "false; (echo"))
    project.build()
    result = project.run("-j", "1")
    assert result.returncode == 1
    assert project.counter("second") == 1
    assert "not started 3" in result.stdout


def test_upstream_that_failed_after_an_earlier_success_blocks(project: Project) -> None:
    """Old outputs of an upstream whose last attempt failed must not be used."""
    make_chain(project)
    project.build()
    assert project.run().returncode == 0
    make_chain(project, SECOND.replace("(echo", "test {sample} != A; (echo"))
    project.build()
    result = project.run("-k")
    assert result.returncode == 1
    assert (project.results / "second" / "A.txt").exists(), "the old output stays"
    assert (project.results / ".makegen" / "state" / "gather" / "_.blocked").exists()
    assert project.counter("gather") == 1


def test_declared_output_not_written_fails_the_task(project: Project) -> None:
    project.pipeline("""
        [pipeline]
        name = "lazy"
        [task.lazy]
        outputs = ["a.txt", "b.txt"]
        run = "echo a > {outputs}; rm -f b.txt"
    """)
    project.build()
    result = project.make("lazy")
    assert result.returncode != 0
    assert "declared output(s) not written: b.txt" in result.stderr
    assert not (project.results / "a.txt").exists(), "nothing is published when one is missing"
    assert not list((project.results / ".makegen" / "tmp" / "lazy").iterdir())


def test_directory_output_is_replaced_whole(project: Project) -> None:
    project.pipeline("""
        [pipeline]
        name = "dirs"
        [vars]
        N = "2"
        [task.split]
        outputs = { dir = "parts/" }
        run = "for i in $(seq ${N}); do echo $i > {outputs.dir}/part$i; done"
    """)
    project.build()
    assert project.make("split").returncode == 0
    assert sorted(p.name for p in (project.results / "parts").iterdir()) == ["part1", "part2"]
    text = (project.root / "pipeline.toml").read_text().replace('N = "2"', 'N = "1"')
    project.pipeline(text)
    project.build()
    assert project.make("split").returncode == 0
    assert sorted(p.name for p in (project.results / "parts").iterdir()) == ["part1"]


def test_undeclared_files_are_discarded_and_command_environment(project: Project) -> None:
    project.pipeline("""
        [pipeline]
        name = "env"
        [task.env]
        outputs = ["env.txt"]
        run = "touch {outputs}.junk; (pwd; env | grep -cE '^(MAKEFLAGS|MFLAGS|MAKELEVEL)=' || true; cat - ) > {outputs}"
    """)
    project.build()
    result = project.make("env", env={"MAKEFLAGS": "-w"})
    assert result.returncode == 0, result.stderr
    lines = (project.results / "env.txt").read_text().splitlines()
    assert lines == [str(project.root), "0"]
    assert not (project.results / "env.txt.junk").exists()


def test_after_orders_without_files_and_blocks_on_failure(project: Project) -> None:
    project.pipeline("""
        [pipeline]
        name = "after"
        [params]
        n = ["1", "2"]
        [task.prepare]
        outputs = ["prep/{n}.txt"]
        run = "test -e go/{n}; echo {n} > {outputs}"
        [task.report]
        after = ["prepare"]
        outputs = ["report.txt"]
        run = "ls {outputs}/.. > /dev/null 2>&1 || true; echo done > {outputs}"
    """)
    (project.root / "go").mkdir()
    (project.root / "go" / "1").touch()
    project.build()
    result = project.run("-k")
    assert result.returncode == 1
    assert 'blocked: report: task prepare has not finished: prepare[n=2]\n' in result.stdout
    (project.root / "go" / "2").touch()
    assert project.run().returncode == 0
    assert (project.results / "report.txt").read_text() == "done\n"


def test_an_input_named_by_a_var_follows_the_run_time_setting(project: Project, tmp_path: Path) -> None:
    project.pipeline("""
        [pipeline]
        name = "varinput"
        [vars]
        REF = "data/ref.txt"
        [task.use]
        inputs = { ref = "${REF}" }
        outputs = ["used.txt"]
        run = "cat {inputs.ref} > {outputs}"
    """)
    project.write("data/ref.txt", "default reference\n")
    other = tmp_path / "elsewhere.txt"
    other.write_text("site reference\n")
    project.build()
    result = project.make("use", env={"REF": str(other)})
    assert result.returncode == 0, result.stderr
    assert (project.results / "used.txt").read_text() == "site reference\n"
    missing = project.make("use", "REF=nowhere.txt")
    assert missing.returncode != 0
    assert f"missing input file: {project.root}/nowhere.txt" in missing.stderr


def test_progress_off_a_terminal_is_plain_lines(project: Project) -> None:
    make_chain(project)
    project.build()
    result = project.run()
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[:3] == ["phase 1/3: first (3)", "phase 2/3: second (3)", "phase 3/3: gather (1)"]
    assert lines[-2:] == ["7/7 done", "ran 7, up to date 0, failed 0, blocked 0"]
    assert "\r" not in result.stdout and "\x1b[" not in result.stdout


def test_progress_on_a_terminal_is_one_live_line(project: Project) -> None:
    import pty
    import subprocess

    from installed import makegen

    make_chain(project)
    project.build()
    leader, follower = pty.openpty()
    run = subprocess.Popen([str(makegen()), "run"], cwd=project.root, stdin=subprocess.DEVNULL,
                           stdout=follower, stderr=follower, env={**os.environ, "COLUMNS": "100"})
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 4096)
        except OSError:  # the terminal closed: makegen ended
            break
        if not data:
            break
        chunks.append(data)
    assert run.wait(timeout=60) == 0
    text = b"".join(chunks).decode(errors="replace")
    assert "7/7" in text and "7 done" in text  # rich's live line: counts, bar, M/N
    assert "\x1b[" in text  # drawn in place, not a line per update
    assert "ran 7, up to date 0, failed 0, blocked 0" in text


def test_a_var_default_reruns_the_task_however_the_command_expands_it(project: Project) -> None:
    for expansion in ("${LEVEL:-1}", "${#LEVEL}", "$LEVEL"):
        (project.root / "counts").mkdir(exist_ok=True)
        text = f"""
            [pipeline]
            name = "forms"
            [vars]
            LEVEL = "VALUE"
            [task.t]
            outputs = ["o.txt"]
            run = "echo t >> counts/t; echo {expansion} > {{outputs}}"
        """
        project.pipeline(text.replace("VALUE", "1"))
        project.build()
        assert project.run().returncode == 0
        before = project.counter("t")
        project.pipeline(text.replace("VALUE", "22"))
        project.build()
        assert project.run().returncode == 0
        assert project.counter("t") == before + 1, expansion


def test_dry_run_only_and_force(project: Project) -> None:
    make_chain(project)
    project.build()
    dry = project.run("--dry-run")
    assert dry.returncode == 0 and counts(project) == (0, 0, 0)
    assert "would run first[sample=A]: pending: never run" in dry.stdout
    assert dry.stdout.endswith("7 instance(s) would run; nothing was run (--dry-run)\n")
    only = project.run("--only", "first", "--only", "second[sample=B]")
    assert only.returncode == 0 and counts(project) == (3, 1, 0)
    assert project.run().returncode == 0 and counts(project) == (3, 3, 1)
    # --force re-runs what is done; a pattern names instances (only * and ? are wild).
    assert "nothing would run" in project.run("-n").stdout
    forced = project.run("--force", "--only", "first[sample=?]", "-n")
    assert forced.stdout.count("forced (--force)") == 3
    assert project.run("--force", "--only", "first[sample=B]").returncode == 0
    assert counts(project) == (4, 3, 1)
    assert "would run second[sample=B]: outdated" in project.run("-n").stdout
    bad = project.run("--only", "frist")
    assert bad.returncode == 2 and "Error: --only: no task `frist` (did you mean `first`?)" in bad.stderr
