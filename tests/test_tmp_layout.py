"""The instance's temporary directory, as the command sees it (pipeline-format.md, "The command").

Outputs are written straight into the instance's temporary directory under their own names
(one folder per instance is all a run makes there, unless the task needs more); outputs that
share a name, or that are named like makegen's own folder there, get a folder of their own.
Whatever the layout, `{outputs}` hold what the command wrote, `{tmp}` is an empty folder,
list files list their paths, and a retry starts from an empty directory.
"""

from __future__ import annotations

import os
import subprocess

from conftest import Project

SHARED_NAMES = """\
[pipeline]
name = "names"
[params]
s = ["p", "q"]
[task.t]
outputs = { a = "a/{s}.txt", b = "b/{s}.txt", own = "c/{s}/.makegen", d = "d/{s}/", flat = "{s}.txt" }
run = '''
for f in {outputs.a} {outputs.b} {outputs.own} {outputs.flat}; do [ ! -e "$f" ]; done
[ -d {outputs.d} ] && [ -z "$(ls -A {outputs.d})" ]
[ -d {tmp} ] && [ -z "$(ls -A {tmp})" ]
echo a-{s} > {outputs.a}; echo b-{s} > {outputs.b}; echo own-{s} > {outputs.own}
echo flat-{s} > {outputs.flat}; echo d-{s} > {outputs.d}/x; echo scratch > {tmp}/x
'''
"""


def test_outputs_that_share_a_name_or_makegens_get_their_own_place(project: Project) -> None:
    project.pipeline(SHARED_NAMES)
    project.build()
    ran = project.run()
    assert ran.returncode == 0, ran.stdout + ran.stderr
    results = project.results
    for s in ("p", "q"):
        assert (results / "a" / f"{s}.txt").read_text() == f"a-{s}\n"
        assert (results / "b" / f"{s}.txt").read_text() == f"b-{s}\n"
        assert (results / f"{s}.txt").read_text() == f"flat-{s}\n"
        assert (results / "d" / s / "x").read_text() == f"d-{s}\n"
        assert sorted(p.name for p in (results / "d" / s).iterdir()) == ["x"]
        # Named like makegen's own folder in the temporary directory: a file all the same.
        assert (results / "c" / s / ".makegen").read_text() == f"own-{s}\n"
    assert list((results / ".makegen" / "tmp" / "t").iterdir()) == []


RETRY = """\
[pipeline]
name = "retry"
[task.t]
outputs = ["out/t.txt"]
inputs = ["in/{p}.txt"]
retries = 1
run = '''
ls -A "$(dirname {outputs})" > counts/seen.$(cat counts/n 2>/dev/null || echo 0)
ls -A {tmp} >> counts/seen.$(cat counts/n 2>/dev/null || echo 0)
sort {inputs:file} > counts/listed
echo left-over > "$(dirname {outputs})/junk"; echo x > {tmp}/junk
if [ ! -e counts/n ]; then echo 1 > counts/n; echo half > {outputs}; exit 3; fi
cat {inputs} > {outputs}
'''
[params]
p = ["x", "y"]
"""


def test_a_retry_starts_from_an_empty_directory_with_its_list_files(project: Project) -> None:
    project.pipeline(RETRY)
    for p in ("x", "y"):
        project.write(f"in/{p}.txt", f"{p}\n")
    (project.root / "counts").mkdir()
    project.build()
    ran = project.run()
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert (project.results / "out" / "t.txt").read_text() == "x\ny\n"
    # Both tries saw nothing but what makegen keeps there of its own, and an empty {tmp}.
    first = (project.root / "counts" / "seen.0").read_text().split()
    second = (project.root / "counts" / "seen.1").read_text().split()
    assert first == second, (first, second)
    assert "junk" not in second and "t.txt" not in second, second
    assert (project.root / "counts" / "listed").read_text() == (
        f"{project.root}/in/x.txt\n{project.root}/in/y.txt\n")
    assert not (project.results / "out" / "junk").exists()


EPOCH = """\
[pipeline]
name = "epoch"
[task.t]
outputs = ["t.txt"]
run = "echo t > {outputs}"
"""


def test_a_bash_without_epochrealtime_runs_an_instance_and_measures_it(project: Project) -> None:
    """Bash 4.4 (RHEL 8) has no EPOCHREALTIME or EPOCHSECONDS: makegen falls back to
    whole seconds. (Unset, bash 5 drops the variables' meaning as well.)"""
    project.pipeline(EPOCH)
    project.build()
    manifest = next((project.build_dir / "manifests").glob("phase-*/t.txt"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = subprocess.run(
        ["bash", "-c", 'unset EPOCHREALTIME EPOCHSECONDS; source "$0" "$@"',
         str(project.build_dir / "jobs" / "job.sh"), str(project.build_dir), str(manifest), "1"],
        cwd=project.root, capture_output=True, text=True, env=env, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert (project.results / "t.txt").read_text() == "t\n"
    marker = next((project.results / ".makegen" / "state" / "t").glob("_.ok-*")).read_text()
    fields = dict(line.split("=", 1) for line in marker.splitlines())
    assert fields["epoch"].isdigit() and fields["wall_s"].endswith(".000"), marker
