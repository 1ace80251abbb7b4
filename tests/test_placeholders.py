"""The placeholder registry and parsers (pipeline/placeholders.py), and their rendering."""

from __future__ import annotations

import pytest

from makegen.emit.script import RENDER
from makegen.pipeline.placeholders import (
    COMMAND_PLACEHOLDERS,
    Param,
    PlaceholderError,
    Ref,
    Var,
    parse_command,
    parse_path,
    spelled_placeholders,
)


def test_every_registered_placeholder_renders_and_nothing_else_does() -> None:
    assert set(RENDER) == set(COMMAND_PLACEHOLDERS)


def test_messages_list_every_spelling_from_the_registry() -> None:
    assert spelled_placeholders() == ["{param}", "{inputs}", "{inputs.key}", "{inputs:file}",
                                      "{outputs}", "{outputs.key}", "{tmp}", "{scratch}", "{resources.cores}",
                                      "{resources.gpus}"]


def test_command_tokens() -> None:
    assert parse_command("cat {inputs.bams:file} {x} > {outputs} ${HOME} {{lit}} {tmp}") == (
        "cat ", Ref("inputs", "bams", True), " ", Param("x"), " > ", Ref("outputs"),
        " ${HOME} {lit} ", Ref("tmp"))
    assert parse_command("n={resources.cores}") == ("n=", Ref("resources.cores"))


@pytest.mark.parametrize(("text", "message"), [
    ("{nope.x}", "unknown placeholder `{nope.x}`: use {param}, {inputs}"),
    ("{outputs:file}", "`:file` is for inputs only (`{inputs:file}`, `{inputs.key:file}`)"),
    ("{tmp.x}", "`{tmp.x}`: {tmp} takes no `.key`"),
    ("a { b", "`{` without a closing `}`"),
    ("a } b", "a single `}`"),
    ("${a b}", "is not a bash ${...} expansion"),
])
def test_command_errors(text: str, message: str) -> None:
    with pytest.raises(PlaceholderError) as caught:
        parse_command(text)
    assert message in str(caught.value)


def test_path_tokens_and_their_errors() -> None:
    assert parse_path("d/{sample}_${REF}.txt", allow_vars=True) == ("d/", Param("sample"), "_", Var("REF"), ".txt")
    with pytest.raises(PlaceholderError, match="not allowed here"):
        parse_path("${REF}", allow_vars=False)
    with pytest.raises(PlaceholderError, match="paths may hold only"):
        parse_path("a b/{x}", allow_vars=False)
    with pytest.raises(PlaceholderError, match="is not a param placeholder"):
        parse_path("{Bad}", allow_vars=False)
