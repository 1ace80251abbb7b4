"""`makegen log [BUILD] ID`: an instance's last attempt, or every attempt with --all."""

from __future__ import annotations

from conftest import Project, cli

PIPELINE = """
[pipeline]
name = "logs"
[params]
sample = ["A", "B"]
[task.say]
outputs = ["said/{sample}.txt"]
run = "echo saying {sample}; test ! -e fail-{sample}; echo {sample} > {outputs}"
"""


def test_last_attempt_then_all_attempts(project: Project) -> None:
    project.pipeline(PIPELINE)
    project.build()
    project.write("fail-A", "")
    assert project.run("-k").returncode == 1
    (project.root / "fail-A").unlink()
    assert project.run().returncode == 0
    last = cli("log", "say[sample=A]", cwd=project.root)
    assert last.exit_code == 0, last.stderr
    assert last.stdout.count("==== makegen: say[sample=A] started") == 1
    assert "==== makegen: say[sample=A] done" in last.stdout and "failed" not in last.stdout
    assert "saying A" in last.stdout
    every = cli("log", "build", "say[sample=A]", "--all", cwd=project.root)
    assert every.stdout.count("==== makegen: say[sample=A] started") == 2
    assert every.stdout.index("say[sample=A] failed") < every.stdout.index("say[sample=A] done")


def test_bad_ids_are_one_error_each(project: Project) -> None:
    project.pipeline(PIPELINE)
    project.build()
    cases = {
        "sya[sample=A]": "Error: ID: no task `sya` in this build (did you mean `say`?)",
        "say": "Error: ID: 'say' does not name one instance of `say`",
        "say[sample=C]": "Error: ID: `C` is not a value of sample",
        "say[sample=B]": "no log yet for say[sample=B] (it has not run)",
    }
    for ident, message in cases.items():
        result = cli("log", ident, cwd=project.root)
        assert result.exit_code == 2 and message in result.stderr, (ident, result.stderr)
        assert result.stderr.count("Error:") == 1
