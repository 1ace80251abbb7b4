"""The wheel carries the templates: install it in a fresh venv and build the example elsewhere."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAKE", "VIRTUAL_ENV", "PYTHONPATH"))}
    result = subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    return result


def test_installed_wheel_builds_and_runs_the_example_outside_the_repo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO))
    wheel = next(dist.glob("makegen-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for template in ("config.mk.j2", "task.mk.j2", "task.sh.j2", "lib.sh.j2", "job.sh.j2"):
        assert f"makegen/rules/{template}" in names
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", str(venv))
    _run(str(venv / "bin" / "pip"), "install", "--quiet", str(wheel))
    example = tmp_path / "somewhere" / "example"
    shutil.copytree(REPO / "example_pipeline", example,
                    ignore=shutil.ignore_patterns("build", "results"))
    makegen = str(venv / "bin" / "makegen")
    checked = _run(makegen, "check", cwd=example)
    assert "26 instances" in checked.stdout
    _run(makegen, "build", cwd=example)
    ran = _run(makegen, "run", "-j", "2", cwd=example)
    assert "failed 0" in ran.stdout
    assert (example / "results" / "summary" / "samples.tsv").exists()
    version = _run(str(venv / "bin" / "python"), "-m", "makegen", "--version", cwd=tmp_path)
    assert version.stdout.startswith("makegen ")
    source_tree = str(REPO)
    assert source_tree not in (example / "build" / "config.mk").read_text()
