"""User errors as values.

A `MakegenError` is something a person did wrong (a pipeline file, an argument, a build
directory) and is printed as one paragraph, exit code 2. Anything else that escapes is a
bug in makegen and is reported as such by the CLI.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Optional


@dataclass
class MakegenError(Exception):
    """A mistake in the user's input, with where it is and how to fix it."""

    message: str
    file: Optional[Path] = None
    key: Optional[str] = None
    line: Optional[int] = None
    hint: Optional[str] = None

    def __str__(self) -> str:
        return self.render()

    def render(self) -> str:
        where = ""
        if self.file is not None:
            where = str(self.file)
            if self.line is not None:
                where += f":{self.line}"
        if self.key:
            where = f"{where}: {self.key}" if where else self.key
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n  {self.hint}"
        return text


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """' (did you mean `x`?)' for the closest choice, or '' when none is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""
