"""{path: text} -> a build directory on disk: the only code that writes the build.

Every file goes to a temporary name in its own folder and is renamed into place; a file
whose text is unchanged is not touched (its mtime stays). Files of an earlier build that
the new one no longer has are removed. If anything fails before the renames, the temporary
files are deleted and the earlier build is left as it was.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..contract.layout import Layout
from ..errors import MakegenError

INDEX = Layout.index
EXECUTABLE = (".sh",)


def write_build(build_dir: Path, files: dict[str, str]) -> list[str]:
    """Write `files` under `build_dir`; return the paths that changed (written or removed)."""
    previous = _previous_files(build_dir)
    index = "".join(f"{rel}\n" for rel in sorted(files))
    changed = [rel for rel in write_files(build_dir, {**files, INDEX: index}) if rel != INDEX]
    for rel in sorted(previous - set(files)):
        stale = build_dir / rel
        if stale.is_file():
            stale.unlink()
            changed.append(rel)
            _remove_empty_parents(stale.parent, build_dir)
    return changed


def write_files(folder: Path, files: dict[str, str]) -> list[str]:
    """Write every file that differs to a temporary name, then rename them all into place
    (none when a write fails); the paths written. An unchanged file keeps its mtime."""
    pending: list[tuple[Path, Path]] = []
    changed: list[str] = []
    try:
        for rel in sorted(files):
            target = folder / rel
            data = files[rel].encode()
            if _same(target, data):
                continue
            pending.append((_write_temporary(target, data, rel.endswith(EXECUTABLE)), target))
            changed.append(rel)
    except BaseException:
        for temporary, _ in pending:
            temporary.unlink(missing_ok=True)
        raise
    for temporary, target in pending:
        os.replace(temporary, target)
    return changed


def check_build_dir(build_dir: Path) -> None:
    """Refuse to write into a folder that holds something other than a makegen build."""
    if build_dir.exists() and not build_dir.is_dir():
        raise MakegenError("exists and is not a folder", file=build_dir,
                           hint="choose another build folder with -o")
    if build_dir.is_dir() and not (build_dir / INDEX).exists() and any(build_dir.iterdir()):
        raise MakegenError(
            "is not empty and is not a makegen build folder, so makegen will not write into it",
            file=build_dir, hint="choose another build folder with -o, or empty this one")


def _previous_files(build_dir: Path) -> set[str]:
    try:
        return set((build_dir / INDEX).read_text().split())
    except OSError:
        return set()


def _same(target: Path, data: bytes) -> bool:
    try:
        if target.stat().st_size != len(data):
            return False
        return target.read_bytes() == data
    except OSError:
        return False


def _write_temporary(target: Path, data: bytes, executable: bool) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temporary, 0o755 if executable else 0o644)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _remove_empty_parents(folder: Path, top: Path) -> None:
    while folder != top and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
