"""What names, values and paths may hold, by the spec (pipeline-format.md, "Names and values")."""

from __future__ import annotations

import re

PIPELINE_NAME = re.compile(r"[A-Za-z0-9_.-]+\Z")
TASK_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]*\Z")
VAR_NAME = re.compile(r"[A-Z_][A-Z0-9_]*\Z")
PARAM_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
PARAM_VALUE = re.compile(r"[A-Za-z0-9._+@-]+\Z")
VALUE_CLASS = "[A-Za-z0-9._+@-]+"
# Characters a path template may hold outside placeholders: Make cannot express white
# space, `:`, `#`, `%` or `$` in targets, and `*?[~` would be taken as wildcards.
PATH_CHARS = re.compile(r"[A-Za-z0-9._+@/=,-]*\Z")
# Make cannot express these in ROOT_DIR/OUTPUT_DIR (white space, `:#$%`), and `*?[` would
# be read as wildcards by the generated $(wildcard ...) checks.
ROOT_FORBIDDEN = frozenset(" \t\n:#$%*?[")
# Settings makegen or Make own; a [vars] key may not take them.
RESERVED_VARS = ("ROOT_DIR", "OUTPUT_DIR", "MAKEGEN_CONFIG", "SHELL", "MAKEFLAGS", "PATH")
# Variables bash itself gives a meaning: a var is exported into the shell that runs the
# instances of a job (jobs/job.sh), where one of these would change how it runs (BASH_*
# too).
SHELL_VARS = ("IFS", "PS1", "PS2", "PS4", "HOME", "ENV", "SHELLOPTS", "CDPATH", "GLOBIGNORE",
              "HOSTNAME", "PWD", "OLDPWD", "PPID", "UID", "EUID", "RANDOM", "SECONDS", "LINENO",
              "EPOCHREALTIME", "EPOCHSECONDS", "SRANDOM", "OPTIND", "OPTARG", "REPLY", "SHLVL",
              "TMOUT", "FUNCNEST", "POSIXLY_CORRECT", "HISTFILE")


def is_valid_value(value: str) -> bool:
    return bool(PARAM_VALUE.match(value)) and value not in (".", "..") and not value.startswith("-")
