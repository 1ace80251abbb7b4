"""One escaping function per target language; nothing else in makegen escapes text."""

from __future__ import annotations

import re

_SHELL_SAFE = re.compile(r"[A-Za-z0-9_./=+,@%:-]+\Z")


def make_value(text: str) -> str:
    """Literal text as the right-hand side of a Make `:=` assignment.

    `$` doubles; `#` would start a comment; a backslash before `#` or at the end of the line
    would escape it; leading blanks would be stripped by Make, so an empty reference
    protects them.
    """
    out = text.replace("$", "$$")
    out = re.sub(r"(\\*)#", lambda m: m.group(1) * 2 + "\\#", out)
    if out.endswith("\\"):
        out += "$(MAKEGEN_EMPTY)"
    if out[:1] in (" ", "\t"):
        out = "$(MAKEGEN_EMPTY)" + out
    return out


def make_path(text: str) -> str:
    """Literal path text inside a Make expression (targets, prerequisites, functions)."""
    if any(c in text for c in " \t\n:#%*?[\\"):
        raise ValueError(f"path text {text!r} cannot be expressed in Make")
    return text.replace("$", "$$")


def shell_quote(text: str) -> str:
    """One shell word, for bash and POSIX sh."""
    if _SHELL_SAFE.match(text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


def shell_double(text: str) -> str:
    """Literal text inside a double-quoted bash string."""
    return re.sub(r'([\\"$`])', r"\\\1", text)
