"""The build writer: atomic files, untouched mtimes, stale files removed, failures roll back."""

from __future__ import annotations

from pathlib import Path

import pytest

from makegen.emit import writer
from makegen.errors import MakegenError


def test_writes_then_leaves_unchanged_files_alone(tmp_path: Path) -> None:
    build = tmp_path / "build"
    assert sorted(writer.write_build(build, {"a.txt": "a", "d/b.sh": "b"})) == ["a.txt", "d/b.sh"]
    assert (build / "d" / "b.sh").stat().st_mode & 0o111
    mtime = (build / "a.txt").stat().st_mtime_ns
    assert writer.write_build(build, {"a.txt": "a", "d/b.sh": "b2"}) == ["d/b.sh"]
    assert (build / "a.txt").stat().st_mtime_ns == mtime
    assert (build / "d" / "b.sh").read_text() == "b2"


def test_removes_files_the_new_build_does_not_have(tmp_path: Path) -> None:
    build = tmp_path / "build"
    writer.write_build(build, {"keep.txt": "k", "old/gone.txt": "g"})
    writer.write_build(build, {"keep.txt": "k"})
    assert not (build / "old").exists()
    assert (build / "keep.txt").exists()


def test_an_exception_while_writing_leaves_the_previous_build(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    build = tmp_path / "build"
    writer.write_build(build, {"a.txt": "old a", "b.txt": "old b"})
    real = writer._write_temporary
    calls = []

    def failing(target: Path, data: bytes, executable: bool) -> Path:
        calls.append(target)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(target, data, executable)

    monkeypatch.setattr(writer, "_write_temporary", failing)
    with pytest.raises(OSError):
        writer.write_build(build, {"a.txt": "new a", "b.txt": "new b"})
    assert (build / "a.txt").read_text() == "old a"
    assert (build / "b.txt").read_text() == "old b"
    assert sorted(p.name for p in build.iterdir()) == [".makegen-files", "a.txt", "b.txt"]


def test_refuses_a_folder_that_is_not_a_build(tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("years of work")
    with pytest.raises(MakegenError, match="not a makegen build folder"):
        writer.check_build_dir(precious)
