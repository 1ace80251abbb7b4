"""The makegen command line: thin commands that parse, call the library, map errors to exits.

Exit codes: 0 success, 1 a task or job failed, 2 bad input (pipeline file, arguments, build
directory), 3 a bug in makegen.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, Optional, TypeVar

import typer

from . import __version__
from .buildinfo import read_build
from .compiler import build, compile_pipeline
from .errors import MakegenError
from .graphtext import FORMATS, render_graph
from .runner import run_build

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Compile pipeline.toml into per-task Makefiles and array jobs for "
                       "Grid Engine and SLURM, run it here, and find out what is left to do.")

F = TypeVar("F", bound=Callable[..., Any])
PIPELINE_ARG = typer.Argument(None, help="The pipeline file (default: ./pipeline.toml).")
BUILD_ARG = typer.Argument(None, help="The build folder (default: build/ beside ./pipeline.toml).")


def handled(command: F) -> F:
    """Map user errors to exit 2 and bugs to exit 3 with a traceback."""
    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except MakegenError as exc:
            typer.echo(f"Error: {exc.render()}", err=True)
            raise typer.Exit(2) from None
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception:  # noqa: BLE001 - the last line of defence
            traceback.print_exc()
            typer.echo("This is a makegen bug, please report it with the text above.", err=True)
            raise typer.Exit(3) from None
    return wrapper  # type: ignore[return-value]


def _pipeline(path: Optional[Path]) -> Path:
    return path if path is not None else Path("pipeline.toml")


def _build_dir(path: Optional[Path]) -> Path:
    return path if path is not None else Path("build")


@app.command()
@handled
def check(pipeline: Optional[Path] = PIPELINE_ARG) -> None:
    """Validate only: print tasks, instance counts and phases; write nothing."""
    graph = compile_pipeline(_pipeline(pipeline)).graph
    typer.echo(f"pipeline {graph.pipeline.name}: {len(graph.nodes)} tasks, "
               f"{graph.total()} instances, {len(graph.phases)} phases")
    for number, names in enumerate(graph.phases, 1):
        for name in names:
            node = graph.nodes[name]
            over = f" over {', '.join(node.task.foreach)}" if node.task.foreach else ""
            typer.echo(f"  phase {number}  {name:<20} {node.count:>9} instance"
                       f"{'s' if node.count != 1 else ''}{over}")


@app.command("build")
@handled
def build_command(
    pipeline: Optional[Path] = PIPELINE_ARG,
    output: Optional[Path] = typer.Option(None, "-o", "--output",
                                          help="The build folder (default: build/ beside the pipeline)."),
) -> None:
    """Compile the pipeline into a build folder (unchanged files keep their mtime)."""
    path = _pipeline(pipeline)
    target = output if output is not None else path.parent / "build"
    compiled, changed = build(path, target)
    graph = compiled.graph
    typer.echo(f"built {target}: {len(graph.nodes)} tasks, {graph.total()} instances, "
               f"{len(graph.phases)} phases ({len(changed)} files changed)")


@app.command()
@handled
def run(
    build_dir: Optional[Path] = BUILD_ARG,
    jobs: int = typer.Option(1, "-j", "--jobs", min=1, help="How many instances at once."),
    keep_going: bool = typer.Option(False, "-k", "--keep-going",
                                    help="Go on past failures with everything that does not depend on them."),
) -> None:
    """Run every out-of-date instance on this machine, in dependency order."""
    info = read_build(_build_dir(build_dir).resolve())
    summary = run_build(info, jobs, keep_going)
    typer.echo(f"ran {summary.ran}, up to date {summary.up_to_date}, failed {len(summary.failed)}, "
               f"blocked {len(summary.blocked)}"
               + (f", errors {len(summary.errors)}" if summary.errors else "")
               + (f", not started {summary.not_started}" if summary.not_started else ""))
    if not summary.ok:
        raise typer.Exit(1)


@app.command()
@handled
def graph(
    pipeline: Optional[Path] = PIPELINE_ARG,
    fmt: str = typer.Option("dot", "--format", help="dot or mermaid."),
    instances: bool = typer.Option(False, "--instances", help="One node per instance."),
) -> None:
    """Print the task graph (or the instance graph) as text."""
    if fmt not in FORMATS:
        raise MakegenError(f"unknown format {fmt!r}", key="--format",
                           hint="use --format dot or --format mermaid")
    compiled = compile_pipeline(_pipeline(pipeline))
    typer.echo(render_graph(compiled.graph, fmt, instances), nl=False)


@app.callback(invoke_without_command=True)
def _root(version: bool = typer.Option(False, "--version", help="Print the version.")) -> None:
    if version:
        typer.echo(f"makegen {__version__}")
        raise typer.Exit(0)


def main() -> None:
    """Entry point of the `makegen` script and of `python -m makegen`."""
    app(prog_name="makegen")
