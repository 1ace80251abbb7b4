"""`makegen init`: a starter pipeline that checks, builds and runs as it is."""

from __future__ import annotations

from pathlib import Path

from conftest import Project, cli


def test_init_then_check_build_run(project: Project, tmp_path: Path) -> None:
    folder = tmp_path / "my.new+pipe"
    made = cli("init", str(folder), cwd=tmp_path)
    assert made.exit_code == 0, made.stderr
    assert "pipeline.toml" in made.stdout and (folder / "scripts" / "greet.sh").exists()
    assert 'name = "my.new-pipe"' in (folder / "pipeline.toml").read_text()
    checked = cli("check", cwd=folder)
    assert checked.exit_code == 0 and "2 tasks, 4 instances, 2 phases" in checked.stdout
    assert cli("build", cwd=folder).exit_code == 0
    ran = Project(folder).run()
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert (folder / "results" / "all.txt").read_text() == "hello, a!\nhello, b!\nhello, c!\n"


def test_init_never_replaces_a_pipeline(project: Project) -> None:
    project.pipeline("# mine\n")
    again = cli("init", cwd=project.root)
    assert again.exit_code == 2
    assert again.stderr.startswith("Error: .: pipeline.toml already there, so nothing was written")
    assert (project.root / "pipeline.toml").read_text() == "# mine\n"
    assert not (project.root / "scripts").exists()
