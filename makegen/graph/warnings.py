"""What `makegen check` warns about: what would fail on a node although the pipeline is valid.

- an external input that is not there now (only `run` found out, as blocked);
- a `${NAME}` in a command or an input path that is neither a [vars] key nor set in this
  environment (under `set -u` it fails at run time, pointing into a generated file).
Warnings, not errors: inputs may appear before the run, and a command may set its own
variables; `makegen check --strict` makes them errors.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

from ..pipeline.placeholders import Var
from .tasks import InputLink, TaskGraph

SHOWN = 3  # missing inputs named per task before "and N more"
# Set in every command's environment by bash or by makegen itself.
KNOWN = {"ROOT_DIR", "OUTPUT_DIR", "HOME", "PATH", "PWD", "USER", "TMPDIR", "HOSTNAME",
         "RANDOM", "LINENO", "SECONDS", "BASH", "BASHPID", "UID", "EUID", "PPID", "SHELL", "IFS"}


def warnings(graph: TaskGraph) -> list[str]:
    """Every warning, task by task, in declaration order."""
    found: list[str] = []
    settings = {**os.environ, **dict(graph.pipeline.vars)}
    for task in graph.pipeline.tasks:
        node = graph.nodes[task.name]
        assigned = set(re.findall(r"\b([A-Z_][A-Z0-9_]*)=", task.run))
        # ${NAME}, ${NAME#...} and the like, and $NAME, fail under `set -u` when NAME is unset;
        # ${NAME:-default} (or -, +, =, ?) does not.
        named = set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)[}#%/^,\[]", task.run))
        named |= set(re.findall(r"\$([A-Z_][A-Z0-9_]*)\b", task.run))
        named |= {t.name for e in task.inputs for t in e.tokens if isinstance(t, Var)}
        for name in sorted(named - set(settings) - KNOWN - assigned):
            found.append(f"task {task.name}: ${{{name}}} is neither a [vars] key nor set in this "
                         "environment; the command will fail on it (set -u)")
        missing = [path for link in node.inputs if link.producer is None
                   for path in _paths(graph, link, settings) if not Path(path).exists()]
        if missing:
            more = f" and {len(missing) - SHOWN} more" if len(missing) > SHOWN else ""
            found.append(f"task {task.name}: missing input file{'s' if len(missing) > 1 else ''} "
                         f"{', '.join(missing[:SHOWN])}{more} (it would be blocked)")
    return found


def _paths(graph: TaskGraph, link: InputLink, settings: dict[str, str]) -> list[str]:
    """Every path an external input template stands for, with this environment's settings."""
    entry = link.entry
    names = entry.params
    paths = []
    for combo in itertools.product(*(graph.values(p) for p in names)):
        scope = dict(zip(names, combo))
        text = "".join(t if isinstance(t, str) else scope[t.name] if not isinstance(t, Var)
                       else settings.get(t.name, "") for t in entry.tokens)
        paths.append(text if text.startswith("/") else str(graph.pipeline.root / text))
    return paths
