"""makegen report in a real browser: headless Chromium loads the page, runs its script, and
dumps the DOM (and a screenshot, kept in the test's folder).

`make test` installs Chromium (scripts/chromium.sh); a missing browser fails these tests,
it never skips them. The page's first script writes any later script error into
#script-errors and sets data-script="error" on <html>; its last one sets data-script="ok".
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from conftest import Project, cli
from installed import REPO, makegen
from test_report import external_references, flaky
from test_status_logic import FakeDisk

from makegen.contract.buildfile import read_build
from makegen.contract.layout import Layout
from makegen.report import html, view
from makegen.state.report import Settings
from makegen.state.status import compute_status


def chromium() -> str:
    found = shutil.which("chromium")
    assert found, "chromium is not installed: `make test` installs it (scripts/chromium.sh, as root)"
    return found


def browse(page: Path, folder: Path) -> tuple[str, str]:
    """The DOM after the page's scripts ran, and Chromium's log; a screenshot beside them."""
    common = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
              "--no-first-run", "--disable-extensions", f"--user-data-dir={folder / 'profile'}",
              "--enable-logging=stderr", "--v=0", "--window-size=1280,1800"]
    dom = subprocess.run([*common, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                         timeout=180, check=False)
    assert dom.returncode == 0, dom.stderr[-3000:]
    shot = subprocess.run([*common, f"--screenshot={folder / 'report.png'}", page.as_uri()],
                          capture_output=True, text=True, timeout=180, check=False)
    assert shot.returncode == 0, shot.stderr[-3000:]
    assert (folder / "report.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return dom.stdout, dom.stderr


def assert_script_ran(dom: str, log: str) -> None:
    assert '<html lang="en" data-script="ok">' in dom, dom[:2000]
    assert '<div id="script-errors" hidden=""></div>' in dom
    assert "Uncaught" not in log


def test_the_report_of_a_failing_run_renders_with_every_task_and_failure(project: Project,
                                                                          tmp_path: Path) -> None:
    flaky(project)
    assert cli("report", "-o", str(tmp_path / "flaky.html"), cwd=project.root).exit_code == 0
    dom, log = browse(tmp_path / "flaky.html", tmp_path)
    assert_script_ran(dom, log)
    for task in ("prepare", "measure", "total"):
        assert f'<tr class="task-row" id="task-{task}">' in dom
        assert f'<g class="node" data-task="{task}">' in dom
    assert '<article class="failure" data-task="measure">' in dom and "<code>measure[sample=c]</code>" in dom
    assert "measure: &lt;b&gt;broken&lt;/b&gt; input in c" in dom  # the log tail, as text
    assert "mem too low" in dom and "mem too high" in dom


def test_the_example_pipeline_s_report_renders(tmp_path: Path) -> None:
    example = tmp_path / "example"
    shutil.copytree(REPO / "example_pipeline", example, ignore=shutil.ignore_patterns("build", "results"))
    assert cli("build", cwd=example).exit_code == 0
    ran = subprocess.run([str(makegen()), "run", "-j", "2"], cwd=example, capture_output=True,
                         text=True, check=False)
    assert ran.returncode == 0, ran.stderr
    assert cli("report", cwd=example).exit_code == 0
    dom, log = browse(example / "report.html", tmp_path)
    assert_script_ran(dom, log)
    for task in ("trim", "align", "count", "summary"):
        assert f'id="task-{task}"' in dom
    assert "No failed or stale instance." in dom and "26 instances in 4 tasks" in dom


def test_a_script_error_shows_in_the_page(project: Project, tmp_path: Path) -> None:
    """The check above can fail: a page whose script breaks says so."""
    flaky(project)
    page = tmp_path / "broken.html"
    assert cli("report", "-o", str(page), cwd=project.root).exit_code == 0
    page.write_text(page.read_text().replace('"use strict";', '"use strict"; noSuchFunction();', 1))
    dom, _ = browse(page, tmp_path)
    assert 'data-script="error"' in dom and "script error: " in dom and "noSuchFunction" in dom


SAMPLES = 50_000  # two tasks over them and a gather: 100,001 instances


def synthetic(project: Project) -> tuple[str, float]:
    """The report of 10^5 instances, every one with markers (some failed, on 50 hosts),
    from a fake disk: no 10^5 files to write. The HTML and how long the view took."""
    project.write("samples.txt", "".join(f"s{n:06d}\n" for n in range(SAMPLES)))
    project.pipeline("""
        [pipeline]
        name = "wide"
        [params]
        sample = { file = "samples.txt" }
        [task.a]
        outputs = ["a/{sample}.txt"]
        run = "echo {sample} > {outputs}"
        resources = { mem = "2G", time = "1h" }
        [task.b]
        inputs = ["a/{sample}.txt"]
        outputs = ["b/{sample}.txt"]
        run = "cp {inputs} {outputs}"
        [task.gather]
        inputs = ["b/{sample}.txt"]
        outputs = ["all.txt"]
        run = "cat {inputs:file} > {outputs}"
        """)
    project.build()
    build = read_build(project.build_dir.resolve())
    base = 1_795_000_000
    disk = FakeDisk()
    for task in ("a", "b"):
        for n in range(SAMPLES):
            started = base + n // 10 + (3600 if task == "b" else 0)
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started))
            failed = task == "b" and n % 500 == 7
            marker = Layout.failed if failed else Layout.ok + build.tasks[task].recipe_hash
            disk.add(f"/o/.makegen/state/{task}/s{n:06d}{marker}", started + 5,
                     f"started={stamp}\nfinished={stamp}\nexit={9 if failed else 0}\nhost=node{n % 50:02d}\n"
                     f"job=1.{n}\nattempt=1\nwall_s={5 + n % 7}\ncpu_s=4\nmax_rss_mb={100 + n % 300}\n")
            if not failed:
                disk.add(f"/o/{task}/s{n:06d}.txt", started + 4)
    settings = Settings(root_dir="/r", output_dir="/o", variables={}, hostname="here", now=base + 9000.0)
    status = compute_status(build, settings, disk, "build")
    began = time.perf_counter()
    shown = view.build_view(build, status, settings.now, lambda path, count: ["the tail of " + path])
    text = html.render_report(shown)
    return text, time.perf_counter() - began


def test_a_report_of_10_5_instances_stays_small_and_renders(project: Project, tmp_path: Path) -> None:
    text, _ = synthetic(project)
    assert "100001 instances in 3 tasks" in text
    assert len(text) < 1_000_000, len(text)  # aggregated: never a line per instance
    assert external_references(text) == []
    page = tmp_path / "wide.html"
    page.write_text(text)
    dom, log = browse(page, tmp_path)
    assert_script_ran(dom, log)
    # 100 failed: the first 50 listed, with their log tails, and the rest counted.
    assert dom.count('<article class="failure"') == view.MAX_FAILURES == 50
    assert "… and 50 more failed or stale instances" in dom and "the tail of /o/.makegen/logs/b/s000007" in dom
    assert "100001 attempts in 140 bins" not in dom and "100000 attempts in 140 bins" in dom
