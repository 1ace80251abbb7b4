"""`setup` and `cleanup` (per task or in [defaults]) and `{scratch}`, a node-local folder."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import Project, cli

PIPELINE = """
[pipeline]
name = "su"
[defaults]
setup = "echo staged > {scratch}/note; export GREETING=hi"
cleanup = "echo {scratch} >> $ROOT_DIR/cleanups.txt"
[params]
s = ["a", "b"]
[task.t]
outputs = ["o/{s}.txt"]
run = "echo t >> counts.txt; cat {scratch}/note > {outputs}; echo $GREETING >> {outputs}; test {s} != b"
[task.u]
setup = "false"
outputs = ["u.txt"]
run = "echo u >> counts.txt; echo never > {outputs}"
"""


def test_setup_prepares_the_shell_cleanup_always_runs_scratch_is_node_local(project: Project,
                                                                              tmp_path: Path) -> None:
    project.pipeline(PIPELINE)
    project.build()
    node_tmp = tmp_path / "node-local"
    node_tmp.mkdir()
    ran = project.run("-k", env={"TMPDIR": str(node_tmp)})
    assert ran.returncode == 1
    assert (project.results / "o" / "a.txt").read_text() == "staged\nhi\n"
    assert "failed: u: the setup exited with code 1 (the command did not run)" in ran.stdout
    assert (project.root / "counts.txt").read_text() == "t\nt\n"  # u's command never ran
    cleaned = (project.root / "cleanups.txt").read_text().splitlines()
    assert len(cleaned) == 3 and all(line.startswith(f"{node_tmp}/makegen-scratch.") for line in cleaned)
    assert list(node_tmp.iterdir()) == []  # every {scratch} removed afterwards
    report = json.loads(cli("status", "--json", cwd=project.root).stdout)
    states = {i["id"]: i["state"] for i in report["instances"]}
    assert states == {"t[s=a]": "done", "t[s=b]": "failed", "u": "failed"}


def test_setup_and_cleanup_do_not_trigger_reruns_and_bad_bash_is_refused(project: Project) -> None:
    project.pipeline(PIPELINE.replace("test {s} != b", "true").replace('setup = "false"\n', ""))
    project.build()
    assert project.run().returncode == 0
    project.pipeline(PIPELINE.replace("test {s} != b", "true").replace('setup = "false"\n', "")
                     .replace("export GREETING=hi", "export GREETING=hello"))
    project.build()
    assert "ran 0, up to date 3" in project.run().stdout
    project.pipeline(PIPELINE.replace('setup = "false"', 'setup = "if true; then echo"'))
    bad = cli("check", cwd=project.root)
    assert bad.exit_code == 2
    assert "[task.u] setup: setup is not valid bash" in bad.stderr
