"""The makegen command line: thin commands that parse, call the library, map errors to exits.

Exit codes: 0 success, 1 a task or job failed, 2 bad input (pipeline file, arguments, build
directory), 3 a bug in makegen.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Callable, Sequence
from functools import wraps
from pathlib import Path
from typing import Any, Optional, TypeVar

import typer
from typer.core import TyperGroup

from . import __version__
from .contract.layout import CliExit
from .errors import MakegenError
from .execute.backends import backend_help
from .execute.plan import Options
from .pipeline.units import parse_time


def _click_exceptions() -> Any:
    """The exceptions module of the click typer runs on (its own copy since typer 0.22)."""
    core = importlib.import_module("typer.core")
    return getattr(core, "_click", None) or importlib.import_module("click")


class Commands(TyperGroup):
    """makegen's commands: an argument error is one `Error:` line and a hint, exit 2.

    Left to itself, typer prints the usage and a box around the message (rich); every other
    bad input gets one `Error:` line, so arguments get the same.
    """

    def main(self, args: Optional[Sequence[str]] = None, prog_name: Optional[str] = None,
             complete_var: Optional[str] = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        exceptions = _click_exceptions().exceptions
        try:
            result = super().main(args=args, prog_name=prog_name, complete_var=complete_var,
                                  standalone_mode=False, windows_expand_args=windows_expand_args,
                                  **extra)
        except exceptions.NoArgsIsHelpError as exc:  # `makegen` alone: the help
            if not standalone_mode:
                raise
            exc.show()
            sys.exit(exc.exit_code)
        except exceptions.ClickException as exc:
            if not standalone_mode:
                raise
            typer.echo(f"Error: {_one_line(exc.format_message())}", err=True)
            context = getattr(exc, "ctx", None)
            if context is not None:
                typer.echo(f"  see `{context.command_path} --help`", err=True)
            sys.exit(CliExit.USAGE if isinstance(exc, exceptions.UsageError) else exc.exit_code)
        except typer.Exit as exc:  # --version, --show-completion and the like
            if not standalone_mode:
                raise
            sys.exit(exc.exit_code)
        except typer.Abort:
            if not standalone_mode:
                raise
            typer.echo("Error: aborted", err=True)
            sys.exit(CliExit.FAILED)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else 0)


def _one_line(text: str) -> str:
    return " ".join(text.split())


# Plain help (rich_markup_mode=None): no boxes and no `<bool>` after every flag; -h as --help;
# shell completion (--install-completion, --show-completion).
app = typer.Typer(cls=Commands, add_completion=True, no_args_is_help=True,
                  pretty_exceptions_enable=False, rich_markup_mode=None,
                  context_settings={"help_option_names": ["-h", "--help"]},
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
            raise typer.Exit(CliExit.USAGE) from None
        except (typer.Exit, typer.Abort):
            raise
        except KeyboardInterrupt:
            # Ctrl-C: say so in one line; what ran is in the markers (makegen status).
            typer.echo("interrupted", err=True)
            raise typer.Exit(130) from None
        except Exception:  # noqa: BLE001 - the last line of defence
            traceback.print_exc()
            typer.echo("This is a makegen bug, please report it with the text above.", err=True)
            raise typer.Exit(CliExit.BUG) from None
    return wrapper  # type: ignore[return-value]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _pipeline(path: Optional[Path]) -> Path:
    return path if path is not None else Path("pipeline.toml")


def _build_dir(path: Optional[Path]) -> Path:
    return path if path is not None else Path("build")


@app.command()
@handled
def check(pipeline: Optional[Path] = PIPELINE_ARG,
          strict: bool = typer.Option(False, "--strict", help="Make the warnings errors.")) -> None:
    """Validate only: print tasks, instance counts and phases; write nothing."""
    from .compiler import compile_pipeline
    from .graph.warnings import warnings

    graph = compile_pipeline(_pipeline(pipeline)).graph
    found = warnings(graph)
    if found and strict:
        raise MakegenError("; ".join(found), file=_pipeline(pipeline),
                           hint="add the files or set the variables, or check without --strict")
    for text in found:
        typer.echo(f"warning: {text}", err=True)
    typer.echo(f"pipeline {graph.pipeline.name}: {_count(len(graph.nodes), 'task')}, "
               f"{_count(graph.total(), 'instance')}, {_count(len(graph.phases), 'phase')}")
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
    from .compiler import build

    path = _pipeline(pipeline)
    target = output if output is not None else path.parent / "build"
    compiled, changed = build(path, target)
    graph = compiled.graph
    typer.echo(f"built {target}: {_count(len(graph.nodes), 'task')}, {_count(graph.total(), 'instance')}, "
               f"{_count(len(graph.phases), 'phase')} ({_count(len(changed), 'file')} changed)")


@app.command()
@handled
def run(
    build_dir: Optional[Path] = BUILD_ARG,
    jobs: int = typer.Option(1, "-j", "--jobs", min=1, help="How many instances at once."),
    keep_going: bool = typer.Option(False, "-k", "--keep-going",
                                    help="Go on past failures with everything that does not depend on them."),
    missing: bool = typer.Option(False, "--missing",
                                 help="Only instances that are not done (and their downstream); "
                                      "a plain run selects the same way."),
    only: Optional[list[str]] = typer.Option(
        None, "--only", metavar="TARGET",
        help="Only this task, instance id (map[sample=A]) or pattern of ids (map[sample=A*]); repeatable."),
    force: bool = typer.Option(False, "--force", help="Run the selected instances even when done."),
    dry: bool = typer.Option(False, "-n", "--dry-run", help="Say what would run and why; run nothing."),
    sets: Optional[list[str]] = typer.Option(
        None, "--set", metavar="NAME=VALUE",
        help="A setting for this run, as `make -f ... NAME=VALUE` (Make syntax; repeatable)."),
) -> None:
    """Run every out-of-date instance on this machine, in dependency order."""
    del missing  # the same selection either way: see run_here
    from .execute.run import run_here

    summary = run_here(_build_dir(build_dir), jobs, keep_going, only or (), force, dry, sets or ())
    if summary is None:
        return
    typer.echo(summary.line())
    if not summary.ok:
        raise typer.Exit(CliExit.FAILED)


@app.command()
@handled
def graph(
    pipeline: Optional[Path] = PIPELINE_ARG,
    fmt: str = typer.Option("dot", "--format", help="dot or mermaid."),
    instances: bool = typer.Option(False, "--instances", help="One node per instance."),
) -> None:
    """Print the task graph (or the instance graph) as text."""
    from .compiler import compile_pipeline
    from .graph.text import FORMATS, render_graph

    if fmt not in FORMATS:
        raise MakegenError(f"unknown format {fmt!r}", key="--format",
                           hint="use --format dot or --format mermaid")
    compiled = compile_pipeline(_pipeline(pipeline))
    typer.echo(render_graph(compiled.graph, fmt, instances), nl=False)


@app.command()
@handled
def status(
    build_dir: Optional[Path] = BUILD_ARG,
    as_json: bool = typer.Option(False, "--json", help="The spec's JSON object on stdout."),
    why: bool = typer.Option(False, "--why", help="For every instance that would run, the reason."),
    stale_after: str = typer.Option("24h", "--stale-after",
                                    help="When an instance with no time limit counts as stale."),
) -> None:
    """Post-mortem from the filesystem alone: the state of every instance."""
    import time

    from .state.status import load_status
    from .state.view import to_json, to_text, to_why

    limit = parse_time(stale_after)
    if not limit:
        raise MakegenError(f"--stale-after {stale_after!r} is not a duration", key="--stale-after",
                           hint='write it like "24h", "90m" or "2d"')
    folder = _build_dir(build_dir)
    report = load_status(folder.resolve(), str(folder), limit, details=as_json or why)
    if as_json:
        typer.echo(to_json(report), nl=False)
    elif why:
        typer.echo(to_why(report, str(folder)), nl=False)
    else:
        typer.echo(to_text(report, time.time(), str(folder)), nl=False)


@app.command()
@handled
def report(
    build_dir: Optional[Path] = BUILD_ARG,
    output: Optional[Path] = typer.Option(
        None, "-o", "--output", help="The HTML file (default: report.html beside the build folder)."),
) -> None:
    """Write one self-contained HTML page: states, resource use, timeline, task graph, failures."""
    from .report.html import make_report

    folder = _build_dir(build_dir)
    target = output if output is not None else folder.resolve().parent / "report.html"
    view = make_report(folder.resolve(), str(folder), target)
    typer.echo(f"wrote {target}: {_count(view.total, 'instance')} in {_count(len(view.tasks), 'task')}, "
               f"{len(view.failures) + view.more_failures} failed or stale")


@app.command()
@handled
def schema() -> None:
    """Print a JSON Schema of pipeline.toml, for editors (taplo, Even Better TOML)."""
    from .pipeline.schema import schema_text

    typer.echo(schema_text(), nl=False)


@app.command()
@handled
def init(folder: Optional[Path] = typer.Argument(None, help="Where (default: here).")) -> None:
    """Start a pipeline: a commented pipeline.toml and a small script that run as they are."""
    from .emit.starter import create_starter

    where = folder if folder is not None else Path(".")
    for rel in create_starter(where):
        typer.echo(f"wrote {where / rel}")
    typer.echo(f"next: cd {where} && makegen check && makegen build && makegen run")


@app.command()
@handled
def log(
    where: list[str] = typer.Argument(..., metavar="[BUILD] ID",
                                      help="The instance's id as status shows it, e.g. 'map[sample=A]'."),
    every: bool = typer.Option(False, "--all", help="Every attempt, oldest first, not only the last."),
) -> None:
    """Print an instance's log: its last attempt (the command's trace and output)."""
    from .contract.buildfile import read_build
    from .state.logs import attempts, log_path, parse_id
    from .state.settings import run_config

    if len(where) > 2:
        raise MakegenError("give at most a build folder and an instance id", key="log",
                           hint="makegen log [BUILD] 'task[param=value]'")
    folder = _build_dir(Path(where[0]) if len(where) == 2 else None).resolve()
    task, key = parse_id(read_build(folder), where[-1])
    path = log_path(run_config(folder)["OUTPUT_DIR"], task, key)
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        raise MakegenError(f"no log yet for {where[-1]} (it has not run)", file=path,
                           hint="makegen status says what it is waiting for") from None
    sections = attempts(text)
    typer.echo("".join(sections if every else sections[-1:]), nl=False)


@app.command()
@handled
def clean(
    build_dir: Optional[Path] = BUILD_ARG,
    tmp: bool = typer.Option(False, "--tmp", help="Remove temporary directories of instances not running."),
    dry_run: bool = typer.Option(False, "--dry-run", help="List what would be removed; remove nothing."),
) -> None:
    """Remove temporary directories left by killed jobs (never one a running instance uses)."""
    from .state.clean import human, leftovers, remove
    from .state.status import load_status

    if not tmp:
        raise MakegenError("say what to clean", key="clean", hint="makegen clean --tmp [--dry-run]")
    folder = _build_dir(build_dir)
    removable, kept = leftovers(load_status(folder.resolve(), str(folder)))
    for item in removable:
        typer.echo(f"{'would remove' if dry_run else 'removing'} {item.path} ({human(item.size)})")
    for item in kept:
        typer.echo(f"keeping {item.path}: {item.task}[{item.key}] is running on {item.host}")
    total = sum(i.size for i in removable)
    if dry_run:
        typer.echo(f"{len(removable)} temporary director{'y' if len(removable) == 1 else 'ies'}, "
                   f"{human(total)} would be freed")
    else:
        freed = remove(removable)
        typer.echo(f"removed {len(removable)} temporary director{'y' if len(removable) == 1 else 'ies'}, "
                   f"{human(freed)} freed")


@app.command()
@handled
def submit(
    build_dir: Optional[Path] = BUILD_ARG,
    backend: str = typer.Option(..., "--backend", help=backend_help()),
    print_script: bool = typer.Option(
        False, "--print", help="Write the submission script (azure: the job and task JSON) to stdout."),
    missing: bool = typer.Option(False, "--missing", help="Only what is not done, and its downstream."),
    sample: Optional[int] = typer.Option(None, "--sample", min=1,
                                         help="The first N instances of each task."),
    throttle: Optional[int] = typer.Option(None, "--throttle", min=1,
                                           help="At most N tasks of an array at once."),
    queue: Optional[str] = typer.Option(
        None, "--queue", help="Queue (SGE), partition (SLURM) or pool (Azure Batch) for every array."),
    account: Optional[str] = typer.Option(None, "--account", help="Project (SGE -P) or account (SLURM)."),
    extra: Optional[list[str]] = typer.Option(None, "--extra",
                                              help="Flags passed to qsub/sbatch as they are."),
    array_limit: Optional[int] = typer.Option(
        None, "--array-limit", min=1, help="Split arrays larger than this (default: ask the scheduler)."),
    jobs: int = typer.Option(2, "-j", "--jobs", min=1, help="local backend: instances at once."),
    dry_run: bool = typer.Option(False, "-n", "--dry-run", help="List the arrays; submit nothing."),
    only: Optional[list[str]] = typer.Option(
        None, "--only", metavar="TARGET",
        help="Only this task, instance id or pattern of ids (repeatable)."),
    sets: Optional[list[str]] = typer.Option(
        None, "--set", metavar="NAME=VALUE", help="A setting for every job, as make NAME=VALUE."),
    group: Optional[int] = typer.Option(
        None, "--group", min=1, metavar="N",
        help="N instances per array element, one after another (overrides each task's group)."),
) -> None:
    """Submit phase by phase: one array job per task per phase, chained by dependencies."""
    from .execute.submit import submit_build

    options = _submit_options(missing, sample, throttle, queue, account, extra, jobs, only, sets, group)
    code = submit_build(_build_dir(build_dir), backend, options, print_script, dry_run, array_limit)
    if code:
        raise typer.Exit(code)


def _submit_options(missing: bool, sample: Optional[int], throttle: Optional[int], queue: Optional[str],
                    account: Optional[str], extra: Optional[list[str]], jobs: int,
                    only: Optional[list[str]], sets: Optional[list[str]],
                    group: Optional[int] = None) -> Options:
    return Options(missing=missing, sample=sample, throttle=throttle, queue=queue, account=account,
                   extra=tuple(extra or ()), jobs=throttle or jobs, only=tuple(only or ()),
                   sets=tuple(sets or ()), group=group)


@app.callback(invoke_without_command=True)
def _root(version: bool = typer.Option(False, "--version", help="Print the version.")) -> None:
    if version:
        typer.echo(f"makegen {__version__}")
        raise typer.Exit(0)


def main() -> None:
    """Entry point of the `makegen` script and of `python -m makegen`."""
    app(prog_name="makegen")
