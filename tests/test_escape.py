"""Each escaping function against the real interpreter of its language."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from makegen.escape import make_path, make_value, shell_double, shell_quote

TEXTS = [
    "plain",
    "$(shell touch pwned)",
    "`touch pwned` ; rm -rf /nothing",
    "a # not a comment",
    "back\\slash",
    "ends with backslash\\",
    "escaped \\# hash and \\\\# two",
    "  leading blanks",
    "trailing blanks  ",
    "quotes \" and ' and $$ and %",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_make_value_round_trips_through_make(text: str, tmp_path: Path) -> None:
    makefile = tmp_path / "t.mk"
    makefile.write_text(f"MAKEGEN_EMPTY :=\nX := {make_value(text)}\nexport X\nall:\n\t@printf '%s' \"$$X\"\n")
    result = subprocess.run(["make", "-s", "-f", str(makefile)], cwd=tmp_path,
                            capture_output=True, text=True, check=True)
    assert result.stdout == text
    assert not list(tmp_path.glob("pwned*"))


@pytest.mark.parametrize("text", TEXTS + ["new\nline", "tab\there"])
def test_shell_quote_is_one_word_for_bash_and_sh(text: str) -> None:
    for shell in ("bash", "sh"):
        result = subprocess.run([shell, "-c", f"printf '%s' {shell_quote(text)}"],
                                capture_output=True, text=True, check=True)
        assert result.stdout == text


@pytest.mark.parametrize("text", TEXTS)
def test_shell_double_is_literal_inside_double_quotes(text: str) -> None:
    result = subprocess.run(["bash", "-c", f'printf "%s" "{shell_double(text)}"'],
                            capture_output=True, text=True, check=True)
    assert result.stdout == text


def test_make_path_refuses_what_make_cannot_express() -> None:
    assert make_path("a/b-c.txt") == "a/b-c.txt"
    for bad in ("a b", "a:b", "a#b", "a%b", "a*b"):
        with pytest.raises(ValueError):
            make_path(bad)
