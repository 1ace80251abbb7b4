"""What a user installs: the wheel holds every module and template, and every command runs from it.

The session's installed makegen (tests/installed.py) is the wheel built from this checkout
and installed into a venv of its own; these tests run it outside the repository, on a copy
of the example pipeline.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from installed import REPO, build_and_install, clean_env, makegen


def _wheel(tmp_path: Path) -> Path:
    """The wheel the session installed (or, with MAKEGEN_TEST_EXE set, a fresh one)."""
    found = sorted((makegen().parents[2] / "dist").glob("makegen-*.whl"))
    if found:
        return found[-1]
    build_and_install(tmp_path)
    return next((tmp_path / "dist").glob("makegen-*.whl"))


def test_the_wheel_holds_every_module_and_template_of_the_source_tree(tmp_path: Path) -> None:
    names = set(zipfile.ZipFile(_wheel(tmp_path)).namelist())
    sources = [f"makegen/{p.relative_to(REPO / 'makegen')}" for p in (REPO / "makegen").rglob("*.py")]
    templates = [f"makegen/rules/{p.name}" for p in (REPO / "rules").iterdir()
                 if p.suffix in (".j2", ".sh", ".mk")]
    assert len(sources) > 10 and len(templates) > 5
    missing = sorted(set(sources + templates) - names)
    assert not missing, f"left out of the wheel: {missing}"


def _makegen(*args: str, cwd: Path, code: int = 0) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(makegen()), *args], cwd=cwd, capture_output=True, text=True,
                            env=clean_env(), stdin=subprocess.DEVNULL, check=False)
    shown = f"makegen {' '.join(args)}: exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert result.returncode == code, shown
    assert "Traceback" not in result.stdout + result.stderr, shown
    return result


@pytest.fixture
def example(tmp_path: Path) -> Path:
    folder = tmp_path / "somewhere" / "example"
    shutil.copytree(REPO / "example_pipeline", folder, ignore=shutil.ignore_patterns("build", "results"))
    return folder


def test_every_command_runs_from_the_installed_wheel(example: Path) -> None:
    assert str(REPO) not in str(makegen().resolve())
    assert _makegen("--version", cwd=example).stdout.startswith("makegen ")
    version = subprocess.run([str(makegen().parent / "python"), "-m", "makegen", "--version"],
                             capture_output=True, text=True, env=clean_env(), check=False)
    assert version.returncode == 0 and version.stdout.startswith("makegen "), version.stderr
    commands = ("check", "build", "run", "status", "graph", "clean", "submit", "log", "init", "schema",
                "report")
    top = _makegen("--help", cwd=example).stdout
    assert all(name in top for name in commands)
    for name in commands:
        assert "Usage:" in _makegen(name, "--help", cwd=example).stdout

    assert "wrote" in _makegen("init", str(example.parent / "starter"), cwd=example).stdout
    assert "4 instances" in _makegen("check", cwd=example.parent / "starter").stdout
    assert json.loads(_makegen("schema", cwd=example).stdout)["title"].startswith("makegen")
    assert "26 instances" in _makegen("check", cwd=example).stdout
    _makegen("build", cwd=example)
    assert str(REPO) not in (example / "build" / "config.mk").read_text()
    assert "digraph" in _makegen("graph", cwd=example).stdout
    assert _makegen("graph", "--format", "mermaid", cwd=example).stdout.startswith("flowchart")
    assert "trim[sample=wt-1,lane=L1]" in _makegen("graph", "--instances", cwd=example).stdout

    # One array per task (the limit given, so as not to depend on the test cluster's).
    sge = _makegen("submit", "--backend", "sge", "--print", "--array-limit", "100", cwd=example).stdout
    assert sge.count("=$(qsub ") == 4 and "-hold_jid" in sge
    slurm = _makegen("submit", "--backend", "slurm", "--print", "--array-limit", "100", cwd=example).stdout
    assert slurm.count("=$(sbatch ") == 4 and "--dependency=" in slurm

    # The local backend runs the whole pipeline through the same snapshot and job wrapper.
    _makegen("submit", "--backend", "local", cwd=example)
    assert (example / "results" / "summary" / "samples.tsv").exists()
    assert "ran 0, up to date 26" in _makegen("run", cwd=example).stdout

    assert "26 instances: 26 done" in _makegen("status", cwd=example).stdout
    report = json.loads(_makegen("status", "--json", cwd=example).stdout)
    assert report["summary"]["done"] == 26 and len(report["instances"]) == 26
    assert "nothing would run" in _makegen("status", "--why", cwd=example).stdout
    assert "trim[sample=wt-1,lane=L1] done" in _makegen("log", "trim[sample=wt-1,lane=L1]", cwd=example).stdout
    assert "removed 0 temporary directories" in _makegen("clean", "--tmp", cwd=example).stdout
    assert "26 instances in 4 tasks" in _makegen("report", cwd=example).stdout
    assert 'id="task-summary"' in (example / "report.html").read_text()
