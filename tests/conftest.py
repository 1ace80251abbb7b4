"""Shared helpers: a pipeline in a temporary folder, the CLI, and real make/bash runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from installed import install_once, makegen

CASES = Path(__file__).resolve().parent / "cases"


@dataclass
class Result:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture(scope="session", autouse=True)
def installed_makegen() -> Path:
    """makegen from its wheel, installed once (shared by xdist workers; see installed.py)."""
    return install_once()


def cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> Result:
    """Run the installed makegen in `cwd`, as a user would."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    result = subprocess.run([str(makegen()), *args], cwd=cwd, capture_output=True, text=True,
                            env={**clean, **(env or {})}, stdin=subprocess.DEVNULL, check=False)
    assert "Traceback" not in result.stderr, result.stderr
    return Result(result.returncode, result.stdout, result.stderr)


@dataclass
class Project:
    """A pipeline folder under tmp_path with helpers to build and run it for real."""

    root: Path

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @property
    def results(self) -> Path:
        return self.root / "results"

    def write(self, rel: str, text: str, mode: int | None = None) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        if mode is not None:
            path.chmod(mode)
        return path

    def pipeline(self, text: str) -> Path:
        return self.write("pipeline.toml", text)

    def build(self, *extra: str) -> Result:
        result = cli("build", *extra, cwd=self.root)
        assert result.exit_code == 0, result.stderr
        return result

    def run(self, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        """`makegen run` in a real subprocess (it spawns bash and make)."""
        return subprocess.run(
            [str(makegen()), "run", *extra], cwd=self.root,
            capture_output=True, text=True, env={**os.environ, **(env or {})}, check=False)

    def make(self, task: str, *assignments: str, env: dict[str, str] | None = None,
             cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """One instance by hand, as on a node: make -f build/tasks/<task>.mk NAME=VALUE..."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
        return subprocess.run(
            ["make", "-f", str(self.build_dir / "tasks" / f"{task}.mk"), *assignments],
            cwd=cwd or self.root, capture_output=True, text=True, env={**clean, **(env or {})},
            check=False)

    def counter(self, name: str) -> int:
        """How many times a command appended to the counter file `counts/<name>`."""
        path = self.root / "counts" / name
        return len(path.read_text().splitlines()) if path.exists() else 0


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    root = tmp_path / "proj"
    root.mkdir()
    yield Project(root)


def copy_case(case: Path, into: Path) -> Path:
    target = into / case.name
    shutil.copytree(case, target)
    return target
