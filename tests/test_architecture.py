"""The shape of the package (docs/architecture.md): what each stage may import, and sizes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from installed import REPO

from makegen.contract.schedulers import SCHEDULERS
from makegen.execute.backends import BACKENDS

READ_SIDE = ["makegen.state.status", "makegen.state.view", "makegen.state.clean",
             "makegen.execute.run", "makegen.execute.submit", "makegen.execute.local",
             "makegen.execute.backends", "makegen.report.html", "makegen.report.view"]
HEAVY = ["networkx", "tomllib", "tomli", "makegen.emit", "makegen.pipeline.load", "makegen.graph",
         "makegen.compiler"]


def test_the_read_side_loads_neither_the_compiler_nor_networkx_nor_the_toml_parser() -> None:
    code = ("import sys\n" + "".join(f"import {m}\n" for m in READ_SIDE)
            + f"print(sorted(m for m in sys.modules if m in {HEAVY!r} or m.startswith('makegen.emit')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_status_from_the_command_line_does_not_load_them_either() -> None:
    code = ("import sys, makegen.cli\n"
            f"print(sorted(m for m in sys.modules if m in {HEAVY!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_no_module_is_over_400_lines() -> None:
    sizes = {str(p.relative_to(REPO)): len(p.read_text().splitlines())
             for p in (REPO / "makegen").rglob("*.py")}
    assert {p: n for p, n in sizes.items() if n > 400} == {}


def test_every_package_says_what_it_owns() -> None:
    for init in (REPO / "makegen").rglob("__init__.py"):
        if init.parent == REPO / "makegen":
            continue
        text = init.read_text()
        assert text.startswith('"""') and len(text.split('"""')[1].strip()) > 40, init


def test_the_backend_registry_covers_every_scheduler() -> None:
    assert set(BACKENDS) == set(SCHEDULERS) | {"local"}
    for name, backend in BACKENDS.items():
        assert backend.name == name and (REPO / "rules" / backend.template).exists()


def test_no_source_spells_the_layout_outside_the_contract() -> None:
    offenders = []
    for path in list((REPO / "makegen").rglob("*.py")) + list((REPO / "rules").glob("*.j2")):
        if path.parent.name == "contract":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if ".makegen/" in line or '".makegen"' in line:
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []


def test_python_m_makegen_is_the_cli() -> None:
    assert (Path(REPO) / "makegen" / "__main__.py").read_text().count("main()") == 1
