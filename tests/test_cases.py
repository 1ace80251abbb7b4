"""Golden cases: every folder of tests/cases/failing/ is a pipeline and the message it must get.

`expected.txt` is the whole of stderr, with `{root}` standing for the case's folder. The
check must exit 2 and write nothing; `build` must do the same and leave no build folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CASES, cli, copy_case

FAILING = sorted(p for p in (CASES / "failing").iterdir() if p.is_dir())


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_every_failing_case_has_a_pipeline_and_one_error_message() -> None:
    assert FAILING, "no failing cases found"
    for case in FAILING:
        assert (case / "pipeline.toml").is_file(), case.name
        expected = (case / "expected.txt").read_text()
        assert expected.startswith("Error: ") and expected.count("Error: ") == 1, case.name


@pytest.mark.parametrize("case", FAILING, ids=[p.name for p in FAILING])
def test_failing_case(case: Path, tmp_path: Path) -> None:
    folder = copy_case(case, tmp_path)
    expected = (folder / "expected.txt").read_text().replace("{root}", str(folder))
    before = _listing(folder)
    checked = cli("check", "pipeline.toml", cwd=folder)
    assert checked.stderr == expected
    assert checked.exit_code == 2
    assert "Traceback" not in checked.stderr
    built = cli("build", "pipeline.toml", cwd=folder)
    assert built.exit_code == 2
    assert built.stderr == expected
    assert _listing(folder) == before, "a failed build must write nothing"
