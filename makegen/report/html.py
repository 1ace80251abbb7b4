"""`makegen report`: read the status, make its view, render rules/report.html.j2, write it.

The file is self-contained (CSS, SVG and script inline; nothing fetched), and written to a
temporary name beside its place and then renamed: a failed write leaves no half report.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

from ..contract.buildfile import read_build
from ..errors import MakegenError
from ..state.logs import tail_lines
from ..state.report import human_mb, human_seconds
from ..state.status import load_status
from ..templates import render_html
from .view import ReportView, build_view

TEMPLATE = "report.html.j2"


def render_report(view: ReportView) -> str:
    """The report's HTML text."""
    return render_html(TEMPLATE, v=view, seconds=human_seconds, mb=human_mb)


def write_report(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder, renamed at the end."""
    if path.is_dir():
        raise MakegenError("is a folder", file=path, hint=f"name a file: -o {path / 'report.html'}")
    temporary = path.with_name(f".{path.name}.tmp.{os.getpid()}")
    try:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        raise MakegenError(f"cannot write the report: {exc.strerror}", file=path,
                           hint="name a file in a folder you can write to: -o FILE") from None
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


def make_report(build_dir: Path, argv_build: str, output: Path) -> ReportView:
    """Read the build and its markers, write the report to `output`; its view."""
    build = read_build(build_dir)
    status = load_status(build_dir, argv_build, details=True)
    view = build_view(build, status, time.time(), tail_lines)
    write_report(output, render_report(view))
    return view
