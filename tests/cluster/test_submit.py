"""`makegen submit` against the real single-node Grid Engine and SLURM on this machine.

Each test is one scenario of helpers.py, run on both schedulers: a pipeline in a tmp
folder, the real makegen CLI, real jobs, bounded polling of qstat/squeue. A scheduler that
cannot be reached is a failure, never a skip (start both with `make schedulers`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import helpers
import pytest

SCHEDULERS = [helpers.SGE, helpers.SLURM]


@pytest.fixture(params=SCHEDULERS, ids=[s.name for s in SCHEDULERS])
def scheduler(request: pytest.FixtureRequest) -> helpers.Scheduler:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def pipe(scheduler: helpers.Scheduler, tmp_path: Path) -> Iterator[helpers.Pipeline]:
    with helpers.pipeline_in(scheduler, tmp_path) as pipeline:
        yield pipeline


@pytest.fixture
def lone_pipe(scheduler: helpers.Scheduler, tmp_path: Path) -> Iterator[helpers.Pipeline]:
    """For assertions on timing that need the scheduler's slots to this test alone."""
    with helpers.pipeline_in(scheduler, tmp_path, exclusive=True) as pipeline:
        yield pipeline


def test_diamond_completes_in_dependency_order(pipe: helpers.Pipeline) -> None:
    helpers.check_diamond(pipe)


def test_failure_blocks_dependents_then_missing_reruns_only_them(pipe: helpers.Pipeline) -> None:
    helpers.check_failure_then_missing(pipe)


def test_grouped_instances_fail_alone_then_missing_finishes(pipe: helpers.Pipeline) -> None:
    helpers.check_grouped_failure_then_missing(pipe)


def test_elementwise_dependency(lone_pipe: helpers.Pipeline) -> None:
    """-hold_jid_ad on Grid Engine, aftercorr on SLURM: instance 1 of B before A's instance 4 ends."""
    helpers.check_elementwise(lone_pipe)


def test_throttle_one_at_a_time(pipe: helpers.Pipeline) -> None:
    helpers.check_throttle(pipe)


def test_phase_over_the_array_limit_is_split(pipe: helpers.Pipeline) -> None:
    helpers.check_split_arrays(pipe)


def test_resources_requested_and_visible(pipe: helpers.Pipeline) -> None:
    helpers.check_resources(pipe)


def test_impossible_request_rejected_at_submit(pipe: helpers.Pipeline) -> None:
    helpers.check_impossible_request(pipe)


def test_job_ids_in_status(pipe: helpers.Pipeline) -> None:
    helpers.check_job_ids(pipe)


def test_pipeline_without_params(pipe: helpers.Pipeline) -> None:
    helpers.check_without_params(pipe)
