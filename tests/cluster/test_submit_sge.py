"""`makegen submit --backend sge` against the real single-node Grid Engine on this machine.

Each test is one scenario of helpers.py (shared with test_submit_slurm.py): a pipeline in a
tmp folder, the real makegen CLI, real jobs, bounded polling of qstat. A Grid Engine that
cannot be reached is a failure, never a skip (start it with `make schedulers`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import helpers
import pytest

SCHEDULER = helpers.SGE


@pytest.fixture
def pipe(tmp_path: Path) -> Iterator[helpers.Pipeline]:
    with helpers.pipeline_in(SCHEDULER, tmp_path) as pipeline:
        yield pipeline


@pytest.fixture
def lone_pipe(tmp_path: Path) -> Iterator[helpers.Pipeline]:
    """For assertions on timing that need the scheduler's slots to this test alone."""
    with helpers.pipeline_in(SCHEDULER, tmp_path, exclusive=True) as pipeline:
        yield pipeline


def test_sge_diamond_completes_in_dependency_order(pipe: helpers.Pipeline) -> None:
    helpers.check_diamond(pipe)


def test_sge_failure_blocks_dependents_then_missing_reruns_only_them(pipe: helpers.Pipeline) -> None:
    helpers.check_failure_then_missing(pipe)


def test_sge_elementwise_dependency_hold_jid_ad(lone_pipe: helpers.Pipeline) -> None:
    helpers.check_elementwise(lone_pipe)


def test_sge_throttle_one_at_a_time(pipe: helpers.Pipeline) -> None:
    helpers.check_throttle(pipe)


def test_sge_phase_over_max_aj_tasks_is_split(pipe: helpers.Pipeline) -> None:
    helpers.check_split_arrays(pipe)


def test_sge_resources_requested(pipe: helpers.Pipeline) -> None:
    helpers.check_resources(pipe)


def test_sge_impossible_request_rejected_at_submit(pipe: helpers.Pipeline) -> None:
    helpers.check_impossible_request(pipe)


def test_sge_job_ids_in_status(pipe: helpers.Pipeline) -> None:
    helpers.check_job_ids(pipe)


def test_sge_pipeline_without_params(pipe: helpers.Pipeline) -> None:
    helpers.check_without_params(pipe)
