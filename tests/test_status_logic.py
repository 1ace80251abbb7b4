"""Status rules on a fake filesystem: no runs, no cluster, just markers and mtimes."""

from __future__ import annotations

import calendar
import time
from typing import Optional

import pytest
from conftest import Project

from makegen.contract.buildfile import Build, read_build
from makegen.contract.layout import Layout
from makegen.state.markers import Found, MarkerIndex, parse_amount, parse_count
from makegen.state.report import Settings
from makegen.state.status import compute_status

PIPELINE = """
[pipeline]
name = "logic"
[params]
sample = ["A", "B"]
[task.map]
inputs = ["in/{sample}.txt"]
outputs = ["m/{sample}.txt"]
run = "cp {inputs} {outputs}"
resources = { time = "10m" }
[task.sum]
inputs = ["m/{sample}.txt"]
outputs = ["sum.txt"]
run = "cat {inputs} > {outputs}"
"""

NOW = calendar.timegm(time.strptime("2026-11-26T12:00:00Z", "%Y-%m-%dT%H:%M:%SZ"))


class FakeDisk:
    def __init__(self) -> None:
        self.files: dict[str, tuple[int, str]] = {}
        self.live: set[int] = set()

    def add(self, path: str, mtime: int, text: str = "") -> None:
        self.files[path] = (mtime * 10**9, text)

    def mtime_ns(self, path: str) -> Optional[int]:
        return self.files[path][0] if path in self.files else None

    def listdir(self, folder: str) -> list[str]:
        return [p[len(folder) + 1:] for p in self.files if p.startswith(folder + "/")]

    def read(self, path: str) -> Optional[str]:
        return self.files[path][1] if path in self.files else None

    def alive(self, pid: int, since: float, pidstart: Optional[int] = None) -> bool:
        return pid in self.live


def setup(project: Project) -> tuple[Build, Settings, FakeDisk, str]:
    project.pipeline(PIPELINE)
    project.build()
    build = read_build(project.build_dir.resolve())
    settings = Settings(root_dir="/r", output_dir="/o", variables={}, hostname="here", now=NOW)
    disk = FakeDisk()
    for sample in "AB":
        disk.add(f"/r/in/{sample}.txt", int(NOW) - 3600)
    return build, settings, disk, build.tasks["map"].recipe_hash


def started(disk: FakeDisk, key: str, host: str, pid: int, at: float) -> None:
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
    disk.add(f"/o/.makegen/state/map/{key}{Layout.started}", int(at),
             f"started={stamp}\nhost={host}\npid={pid}\njob=9.1\n")


def state_of(build: Build, settings: Settings, disk: FakeDisk) -> dict[str, str]:
    report = compute_status(build, settings, disk, "build")
    return {i.id: f"{i.state}: {i.reason}" for i in report.instances}


def test_running_elsewhere_until_the_time_limit_then_stale(project: Project) -> None:
    build, settings, disk, _ = setup(project)
    started(disk, "A", "node7", 123, NOW - 5 * 60)
    started(disk, "B", "node7", 124, NOW - 20 * 60)
    states = state_of(build, settings, disk)
    assert states["map[sample=A]"] == "running: "
    assert states["map[sample=B]"].startswith("stale: started 20m ago, past its time limit (15m)")
    assert states["sum"] == "waiting: upstream map[sample=A] is running"


def test_an_attempt_with_retries_and_growing_time_is_running_as_long_as_the_node_lets_it(
        project: Project) -> None:
    """The node lets an attempt hold its lock for its longest time with every try (retries =
    1, time up to 20m: 40m, plus the grace): status must not call it stale sooner, nor
    `clean --tmp` remove its folder (both read the same limit)."""
    project.pipeline(PIPELINE.replace('resources = { time = "10m" }',
                                      'resources = { time = ["10m", "20m"] }\nretries = 1'))
    project.build()
    build = read_build(project.build_dir.resolve())
    settings = Settings(root_dir="/r", output_dir="/o", variables={}, hostname="here", now=NOW)
    disk = FakeDisk()
    for sample in "AB":
        disk.add(f"/r/in/{sample}.txt", int(NOW) - 3600)
    started(disk, "A", "node7", 123, NOW - 30 * 60)
    started(disk, "B", "node7", 124, NOW - 50 * 60)
    states = state_of(build, settings, disk)
    assert states["map[sample=A]"] == "running: "
    assert states["map[sample=B]"].startswith("stale: started 50m ago, past its time limit (45m)")


def test_started_here_by_a_process_that_is_gone_is_stale_at_once(project: Project) -> None:
    build, settings, disk, _ = setup(project)
    started(disk, "A", "here", 4242, NOW - 1)
    started(disk, "B", "here", 4243, NOW - 1)
    disk.live.add(4243)
    states = state_of(build, settings, disk)
    assert states["map[sample=A]"] == "stale: started here by process 4242, which is gone"
    assert states["map[sample=B]"] == "running: "


def test_done_then_outdated_by_an_input_then_by_the_recipe(project: Project) -> None:
    build, settings, disk, recipe = setup(project)
    for sample in "AB":
        disk.add(f"/o/m/{sample}.txt", int(NOW) - 100)
        disk.add(f"/o/.makegen/state/map/{sample}{Layout.ok}{recipe}", int(NOW) - 99, "finished=x\nexit=0\n")
    states = state_of(build, settings, disk)
    assert states["map[sample=A]"] == "done: "
    assert states["sum"] == "pending: never run"
    disk.add("/r/in/B.txt", int(NOW) - 10)
    assert state_of(build, settings, disk)["map[sample=B]"] == "outdated: input /r/in/B.txt is newer"
    disk.add("/r/in/B.txt", int(NOW) - 3600)
    del disk.files[f"/o/.makegen/state/map/A{Layout.ok}{recipe}"]
    disk.add(f"/o/.makegen/state/map/A{Layout.ok}0000000000000000", int(NOW) - 99, "finished=x\nexit=0\n")
    states = state_of(build, settings, disk)
    assert states["map[sample=A]"] == "outdated: recipe changed (run or a var default it names)"
    assert states["sum"] == "waiting: upstream map[sample=A] is outdated"


def test_missing_external_input_blocks_and_names_the_file(project: Project) -> None:
    build, settings, disk, _ = setup(project)
    del disk.files["/r/in/B.txt"]
    assert state_of(build, settings, disk)["map[sample=B]"] == "blocked: missing input file /r/in/B.txt"


def test_keys_with_dots_and_temporary_marker_files() -> None:
    index = MarkerIndex.from_names(
        ["a.b.started", "a.b.ok-0123456789abcdef", "c.started", "c.ok-0123456789abcdef.tmp.77", "d.failed",
         "d.failed.tmp.5", "e.ok-0.started", "e.ok-012345"])
    assert index.get("a.b") == Found(started=True, ok_hashes=("0123456789abcdef",))
    # A key may hold `.ok-`: only a whole hash ends a success marker's name.
    assert index.get("e.ok-0") == Found(started=True)
    assert index.get("e") == Found()
    assert index.get("a") == Found()
    assert index.get("c").in_progress("0123456789abcdef")
    assert not index.get("a.b").in_progress("0123456789abcdef")  # a success: the lock is let go
    assert index.get("a.b").in_progress("fedcba9876543210")  # a success of another recipe
    assert index.get("d") == Found(failed=True)


def test_the_last_attempt_s_resource_use_is_read_from_its_end_marker(project: Project) -> None:
    build, settings, disk, recipe = setup(project)
    disk.add("/o/m/A.txt", int(NOW) - 100)
    disk.add(f"/o/.makegen/state/map/A{Layout.ok}{recipe}", int(NOW) - 99,
             "started=x\nfinished=y\nexit=0\nattempt=2\nwall_s=12.34\ncpu_s=3.21\nmax_rss_mb=45.6\n")
    disk.add(f"/o/.makegen/state/map/B{Layout.failed}", int(NOW) - 99,
             "started=x\nfinished=y\nexit=137\nattempt=3\nwall_s=\ncpu_s=0\nmax_rss_mb=2048\n")
    report = compute_status(build, settings, disk, "build")
    a, b, total = report.instances
    assert (a.state, a.attempt, a.wall_s, a.cpu_s, a.max_rss_mb) == ("done", 2, 12.34, 3.21, 45.6)
    # Empty means unknown, and 0 is a measurement, not "unknown".
    assert (b.state, b.attempt, b.wall_s, b.cpu_s, b.max_rss_mb) == ("failed", 3, None, 0.0, 2048.0)
    assert (total.attempt, total.wall_s, total.cpu_s, total.max_rss_mb) == (None, None, None, None)
    # Only what status needs is read without details; a failure's marker always is.
    quick = compute_status(build, settings, disk, "build", details=False).instances
    assert (quick[0].attempt, quick[1].attempt) == (None, 3)


@pytest.mark.parametrize("text", ["", " ", "0", "-1", "1.5", "two", "1e3"])
def test_an_attempt_is_a_whole_number_from_one_or_unknown(text: str) -> None:
    assert parse_count(text) is None


@pytest.mark.parametrize(("text", "value"), [
    ("12.34", 12.34), ("0", 0.0), ("7", 7.0), (" 3.5 ", 3.5), ("", None), ("-1", None),
    ("nan", None), ("inf", None), ("12s", None), ("1,5", None)])
def test_an_amount_is_a_finite_number_from_zero_or_unknown(text: str, value: Optional[float]) -> None:
    assert parse_amount(text) == value
