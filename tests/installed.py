"""The makegen the tests run: built as a wheel and installed into a venv of its own.

Users install makegen with pip or pipx, not as an editable checkout, so every CLI test runs
the wheel's `makegen` script: a module or template left out of the wheel fails them all.
The wheel is built at most once per test session: pytest-xdist workers share it through a
lock file, and it is kept under the system's temporary folder by a hash of every file that
goes into it, so a later session reuses it only while the sources are unchanged. Set
MAKEGEN_TEST_EXE to a `makegen` executable to use that instead (CI never sets it).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

_exe: Path | None = None


def clean_env() -> dict[str, str]:
    """The environment without this checkout's venv or Make's variables leaking in."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("MAKE", "VIRTUAL_ENV", "PYTHONPATH"))}


def _run(*args: str) -> None:
    result = subprocess.run(list(args), capture_output=True, text=True, env=clean_env(), check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")


SOURCES = ("pyproject.toml", "setup.py", "README.md", "makegen", "rules")


def build_and_install(folder: Path) -> Path:
    """Build the wheel into folder/dist and install it into folder/venv; the makegen script.

    The wheel is built from a copy of the sources, as from a fresh clone: setuptools keeps a
    build/ folder in the tree it builds, whose leftovers would hide a module left out.
    """
    dist, venv, source = folder / "dist", folder / "venv", folder / "source"
    shutil.rmtree(source, ignore_errors=True)
    for name in SOURCES:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    _run(sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(source))
    wheel = next(dist.glob("makegen-*.whl"))
    _run(sys.executable, "-m", "venv", str(venv))
    # With the azure extra, as a user of `submit --backend azure` installs it.
    _run(str(venv / "bin" / "pip"), "install", "--quiet", f"{wheel}[azure]")
    return venv / "bin" / "makegen"


def source_hash() -> str:
    """A hash of everything the wheel is made from."""
    digest = hashlib.sha256()
    files = []
    for name in SOURCES:
        top = REPO / name
        files += sorted(p for p in top.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if top.is_dir() else [top]
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def install_once() -> Path:
    """The installed makegen, built by whichever test process gets here first."""
    global _exe
    if _exe is not None:
        return _exe
    override = os.environ.get("MAKEGEN_TEST_EXE")
    if override:
        _exe = Path(override)
        return _exe
    folder = Path(tempfile.gettempdir()) / "makegen-test-wheel" / source_hash()
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "venv" / "bin" / "makegen"
    with open(folder / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "ready").exists():
            build_and_install(folder)
            (folder / "ready").write_text(str(exe))
    _exe = exe
    return exe


def makegen() -> Path:
    """The installed `makegen` script (the session fixture in conftest installs it first)."""
    if _exe is None:
        raise RuntimeError("the installed makegen is not ready: the `installed_makegen` "
                           "session fixture of tests/conftest.py installs it")
    return _exe
