"""Golden build folders: each tests/cases/ok/<name>/ is a pipeline and the build it must give.

`build/` beside the pipeline holds every file `makegen build` writes, byte for byte, with
`{root}` standing for the case's folder. After a deliberate change to what makegen writes,
refresh them with `make golden` and read the diff before committing it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from conftest import CASES, cli, copy_case

OK = sorted(p for p in (CASES / "ok").iterdir() if p.is_dir())
REFRESH = os.environ.get("MAKEGEN_REFRESH_GOLDEN") == "1"


def _tree(folder: Path, root: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text().replace(str(root), "{root}")
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", OK, ids=[p.name for p in OK])
def test_golden_build(case: Path, tmp_path: Path) -> None:
    folder = copy_case(case, tmp_path)
    shutil.rmtree(folder / "build", ignore_errors=True)
    built = cli("build", cwd=folder)
    assert built.exit_code == 0, built.stderr
    got = _tree(folder / "build", folder)
    if REFRESH:
        shutil.rmtree(case / "build", ignore_errors=True)
        for rel, text in got.items():
            (case / "build" / rel).parent.mkdir(parents=True, exist_ok=True)
            (case / "build" / rel).write_text(text)
    expected = _tree(case / "build", case)
    assert sorted(got) == sorted(expected), "the build writes other files than the golden one"
    for rel in expected:
        assert got[rel] == expected[rel], f"{case.name}/build/{rel} differs (refresh: make golden)"
    assert len(expected) > 10
