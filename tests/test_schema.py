"""`makegen schema`: a JSON Schema of the format that editors use; it agrees with the loader."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import CASES, cli
from installed import REPO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    result = cli("schema", cwd=tmp_path_factory.mktemp("schema"))
    assert result.exit_code == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    jsonschema.Draft202012Validator.check_schema(document)
    return document


def errors(schema: dict[str, Any], path: Path) -> list[str]:
    document = tomllib.loads(path.read_text().removeprefix("\ufeff"))
    return [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(document)]


@pytest.mark.parametrize("pipeline", [REPO / "example_pipeline" / "pipeline.toml",
                                      *sorted((CASES / "ok").glob("*/pipeline.toml"))],
                         ids=lambda p: p.parent.name)
def test_valid_pipelines_validate(schema: dict[str, Any], pipeline: Path) -> None:
    assert errors(schema, pipeline) == []


@pytest.mark.parametrize("case", ["unknown-task-key", "unknown-top-level-key", "unknown-pipeline-key",
                                  "bad-task-name", "bad-var-name", "param-name-upper-case",
                                  "missing-run", "missing-pipeline-name", "resources-zero-cores",
                                  "resources-extra-unknown-scheduler", "unsupported-format",
                                  "param-value-with-space", "phase-zero", "var-of-table-type"])
def test_failing_cases_the_schema_can_see_do_not_validate(schema: dict[str, Any], case: str) -> None:
    assert errors(schema, CASES / "failing" / case / "pipeline.toml") != []
