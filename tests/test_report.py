"""makegen report: the view of a status (figures, flags, failures), its SVG layouts, the HTML
and how it is written; the command through the installed wheel. tests/test_report_browser.py
loads the pages in Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import Project, cli

from makegen.contract.buildfile import read_build
from makegen.errors import MakegenError
from makegen.report import html, taskgraph, timeline, view
from makegen.state.logs import tail_lines
from makegen.state.status import load_status

FLAKY = """
[pipeline]
name = "flaky"

[params]
sample = ["a", "b", "c", "d"]

[task.prepare]
inputs = ["data/{sample}.txt"]
outputs = ["prep/{sample}.txt"]
run = "cat {inputs} > {outputs}"
resources = { mem = "1G", time = "10m" }

[task.measure]
inputs = ["prep/{sample}.txt"]
outputs = ["measured/{sample}.txt"]
run = "if grep -q broken {inputs}; then echo measure: '<b>broken</b>' input in {sample} >&2; exit 3; fi; wc -c < {inputs} > {outputs}"
resources = { mem = "100M" }

[task.total]
inputs = ["measured/{sample}.txt"]
outputs = ["total.txt"]
run = "cat {inputs} > {outputs}"
"""

# What the node records once it measures commands (issue 14): prepare comes close to its
# 1G, measure uses a tenth of its 100M.
USAGE = {"prepare": "attempt=1\nwall_s=2.5\ncpu_s=2.0\nmax_rss_mb=990\n",
         "measure": "attempt=2\nwall_s=0.5\ncpu_s=0.1\nmax_rss_mb=10\n"}


def flaky(project: Project) -> Project:
    """The pipeline above, run: measure[sample=c] fails, total is blocked, the rest done."""
    project.pipeline(FLAKY)
    for sample in "abcd":
        project.write(f"data/{sample}.txt", "broken\n" if sample == "c" else f"{sample} fine\n")
    project.build()
    assert project.run("-k", "-j", "2").returncode == 1
    for task, fields in USAGE.items():
        folder = project.results / ".makegen" / "state" / task
        for marker in [*folder.glob("*.ok-*"), *folder.glob("*.failed")]:
            with open(marker, "a") as handle:
                handle.write(fields)
    return project


def report_view(project: Project) -> view.ReportView:
    folder = project.build_dir.resolve()
    status = load_status(folder, "build", details=True)
    return view.build_view(read_build(folder), status, 0.0, tail_lines)


def test_the_view_counts_states_measures_flags_and_lists_the_failure(project: Project) -> None:
    shown = report_view(flaky(project))
    assert shown.pipeline == "flaky" and shown.total == 9
    assert [(s.state, s.count) for s in shown.shares] == [("done", 7), ("failed", 1), ("blocked", 1)]
    rows = {row.name: row for row in shown.tasks}
    assert list(rows) == ["prepare", "measure", "total"]
    prepare, measure = rows["prepare"], rows["measure"]
    assert prepare.wall == view.Spread(known=4, p50=2.5, p95=2.5, max=2.5)
    assert prepare.mem_mb == 1024 and prepare.mem_verdict == "under"
    assert prepare.flags[0].text.startswith("mem too low: the peak RSS, 990 MB, is 97% of the 1.0 GB")
    assert measure.mem_verdict == "over" and measure.retried == 4 and measure.rss.known == 4
    assert rows["total"].rss is None and rows["total"].flags == []
    [failure] = shown.failures
    assert (failure.id, failure.state, shown.more_failures) == ("measure[sample=c]", "failed", 0)
    assert failure.facts[0] == "exit 3" and "attempt 2 used 0.5 s wall" in failure.facts[-1]
    assert "measure: <b>broken</b> input in c" in failure.tail
    assert shown.timeline.attempts == 8 and not shown.timeline.binned  # total never started
    assert len(shown.timeline.lanes) == 1  # this host
    assert sum(r.css == "fail" for r in shown.timeline.rects) == 1


def test_failures_are_listed_up_to_the_cap_and_counted_beyond(project: Project,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    flaky(project)
    project.write("data/a.txt", "broken too\n")
    assert project.run("-k").returncode == 1
    monkeypatch.setattr(view, "MAX_FAILURES", 1)
    shown = report_view(project)
    assert [f.id for f in shown.failures] == ["measure[sample=a]"] and shown.more_failures == 1
    assert "… and 1 more failed or stale instances" in html.render_report(shown)


def test_percentiles_are_nearest_rank() -> None:
    assert view.spread([]) is None
    assert view.spread([float(n) for n in range(100, 0, -1)]) == view.Spread(100, 50.0, 95.0, 100.0)
    assert view.spread([3.0]) == view.Spread(1, 3.0, 3.0, 3.0)


@pytest.mark.parametrize(("peak", "mem", "kind", "suggested"), [
    (950.0, 1000, "under", "1472M"), (1200.0, 1000, "under", "1856M"), (100.0, 1000, "over", "192M"),
    (682.0, 4096, "over", "1G"), (500.0, 1000, None, None), (900.0, None, None, None)])
def test_mem_is_flagged_when_the_peak_is_near_or_far_below_it(
        peak: float, mem: int | None, kind: str | None, suggested: str | None) -> None:
    flags = view.resource_flags(view.Spread(1, peak, peak, peak), None, mem, None)
    assert [f.kind for f in flags] == ([kind] if kind else [])
    if suggested:
        assert f'mem = "{suggested}"' in flags[0].text


def test_time_is_flagged_when_the_slowest_instance_nears_the_limit() -> None:
    near = view.resource_flags(None, view.Spread(5, 10.0, 80.0, 85.0), None, 100)
    assert [(f.kind, f.resource) for f in near] == [("under", "time")] and "85%" in near[0].text
    assert view.resource_flags(None, view.Spread(5, 10.0, 70.0, 79.0), None, 100) == []
    assert view.resource_flags(None, view.Spread(5, 10.0, 70.0, 500.0), None, None) == []


def test_many_attempts_are_binned_per_host(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    flaky(project)
    monkeypatch.setattr(timeline, "MAX_BARS", 3)
    shown = report_view(project)
    assert shown.timeline.binned and shown.timeline.attempts == 8 and "8 attempts in" in shown.timeline.note
    heat = [r for r in shown.timeline.rects if r.css == "heat"]
    assert heat and max(r.opacity for r in heat) == 1.0
    assert sum(int(r.title.split(": ")[1].split()[0]) for r in shown.timeline.rects if r.css == "fail") == 1


def test_hosts_beyond_the_lane_limit_share_one_lane() -> None:
    spans = [timeline.Span(f"node{n:02d}", 0.0, 1.0, 0, False) for n in range(40) for _ in range(n + 1)]
    lanes = timeline._lanes_of(spans)
    assert len(set(lanes.values())) == timeline.MAX_HOSTS
    assert lanes["node00"] == lanes["node05"] == "11 other hosts" and lanes["node39"] == "node39"


@pytest.mark.parametrize(("stamp", "epoch"), [
    ("1970-01-01T00:01:40Z", 100.0), ("2026-11-26T01:02:03Z", 1795654923.0),
    ("2026-11-26T23:59:60Z", 1795737600.0), ("", None), (None, None), ("2026-11-26 01:02:03", None),
    ("2026-13-26T01:02:03Z", None), ("2026-11-26T24:02:03Z", None), ("2026-11-26T01:02:0xZ", None),
    ("2026-11-26T01:-2:03Z", None), ("2026-11-26T01:02:03+", None)])
def test_marker_times_parse_as_utc(stamp: str | None, epoch: float | None) -> None:
    assert timeline.stamp_epoch(stamp) == epoch


def test_the_task_graph_puts_phases_in_columns_and_uncrosses_edges(project: Project) -> None:
    project.pipeline("""
        [pipeline]
        name = "cross"
        [task.a]
        outputs = ["a.txt"]
        run = "echo a > {outputs}"
        [task.b]
        outputs = ["b.txt"]
        run = "echo b > {outputs}"
        [task.from_b]
        inputs = ["b.txt"]
        outputs = ["y.txt"]
        run = "cp {inputs} {outputs}"
        [task.from_a]
        inputs = ["a.txt"]
        outputs = ["x.txt"]
        run = "cp {inputs} {outputs}"
        """)
    project.build()
    build = read_build(project.build_dir)
    graph = taskgraph.lay_out(build.file.tasks, build.file.edges, {})
    nodes = {n.name: n for n in graph.nodes}
    assert nodes["a"].x == nodes["b"].x < nodes["from_a"].x == nodes["from_b"].x
    # Each reader sits level with what it reads: no crossing.
    assert (nodes["a"].y < nodes["b"].y) == (nodes["from_a"].y < nodes["from_b"].y)
    assert sorted((e.source, e.target) for e in graph.edges) == [("a", "from_a"), ("b", "from_b")]
    start = re.match(r"M([\d.]+),", graph.edges[0].path)
    assert start and float(start.group(1)) == pytest.approx(nodes["a"].x + taskgraph.NODE_W)


def test_the_page_escapes_what_it_shows_and_fetches_nothing(project: Project) -> None:
    text = html.render_report(report_view(flaky(project)))
    assert "measure: &lt;b&gt;broken&lt;/b&gt; input in c" in text and "<b>broken</b>" not in text
    assert external_references(text) == []
    for task in ("prepare", "measure", "total"):
        assert f'id="task-{task}"' in text and f'data-task="{task}"' in text


def external_references(text: str) -> list[str]:
    """Anything a browser would fetch: src/href to another document, CSS url() or @import."""
    found = re.findall(r"""(?:src|href|xlink:href)\s*=\s*["']?(?!#)[^"'\s>]+""", text)
    found += re.findall(r"url\((?!#)[^)]*\)", text) + re.findall(r"@import", text)
    return found


def test_a_failed_write_leaves_the_old_report_and_no_temporary(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "report.html"
    html.write_report(target, "old")

    def refuse(source: object, destination: object) -> None:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(html.os, "replace", refuse)
    with pytest.raises(MakegenError, match="cannot write the report: No space left on device"):
        html.write_report(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["report.html"]


def test_report_writes_beside_the_build_folder_or_where_told(project: Project) -> None:
    flaky(project)
    result = cli("report", cwd=project.root)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"wrote {project.root.resolve()}/report.html: 9 instances in 3 tasks, 1 failed or stale\n"
    assert "measure[sample=c]" in (project.root / "report.html").read_text()
    elsewhere = project.root.parent / "other"
    elsewhere.mkdir()
    assert cli("report", str(project.build_dir), cwd=elsewhere).exit_code == 0
    assert not (elsewhere / "report.html").exists()
    assert cli("report", "-o", "out.html", cwd=elsewhere).exit_code == 2  # no build/ here
    assert cli("report", str(project.build_dir), "-o", "out.html", cwd=elsewhere).exit_code == 0
    assert (elsewhere / "out.html").stat().st_size > 1000


@pytest.mark.parametrize(("args", "message"), [
    (["nowhere"], "Error: {root}/nowhere: is not a makegen build folder (no graph.json)"),
    (["-o", "missing/report.html"], "Error: missing/report.html: cannot write the report: No such file"),
    (["-o", "pipeline.toml/report.html"], "Error: pipeline.toml/report.html: cannot write the report: Not a"),
    (["-o", "build"], "Error: build: is a folder"),
])
def test_bad_input_is_one_clear_error_and_exit_2(project: Project, args: list[str], message: str) -> None:
    project.pipeline(FLAKY)
    project.build()
    result = cli("report", *args, cwd=project.root)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(message.format(root=project.root)), result.stderr
    assert len(result.stderr.splitlines()) == 2  # the error and what to do
    assert not list(project.root.glob("**/.*.tmp.*"))


def test_a_build_that_never_ran_and_then_changed_reports_so(project: Project) -> None:
    project.pipeline(FLAKY)
    project.build()
    text = html.render_report(report_view(project))
    assert "No attempt has started yet." in text and "No failed or stale instance." in text
    assert "The build is out of date" not in text
    project.pipeline(FLAKY.replace("wc -c", "wc -l"))
    text = html.render_report(report_view(project))
    assert "<b>The build is out of date:</b> " + str(project.root / "pipeline.toml") in text



def test_neighbouring_bins_of_one_shade_are_one_run() -> None:
    assert timeline._runs([0, 1, 1, 2, 0, 2]) == [(1, 2), (3, 3), (5, 5)]
    assert timeline._runs([3, 3, 3]) == [(0, 2)] and timeline._runs([0, 0]) == []
