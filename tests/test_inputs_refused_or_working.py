"""Issue 11: inputs that must either work end to end or be refused at once with one `Error:`.

Every test here states the contract of the spec (pipeline-format.md "Paths", "Other task
keys", "Errors"; cli.md) as seen from outside: the `makegen` executable, the files it
writes and reads, its exit codes and its stderr. They began as strict xfails, one per case
of the issue; each must now pass.

Contract in short: an input either works (build, run, outputs right, nothing executed that
was not meant to be) or is refused with exit 2 and exactly one line starting `Error:`,
never a traceback (exit 3), never a bare tool message, never discovered on a node.
"""

from __future__ import annotations

import json
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from installed import clean_env, makegen

BOX = set("╭╮╰╯│─")


def mg(*args: str, cwd: Path, timeout: float = 120, limit_mb: int | None = None
       ) -> subprocess.CompletedProcess[str]:
    """The installed makegen executable (tests/installed.py), as a user runs it."""
    def limit() -> None:  # pragma: no cover - runs in the child
        if limit_mb is not None:
            size = limit_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (size, size))
    return subprocess.run([str(makegen()), *args], cwd=cwd, capture_output=True, text=True,
                          env=clean_env(), timeout=timeout, check=False, preexec_fn=limit,
                          stdin=subprocess.DEVNULL)


def toml_str(text: str) -> str:
    """A TOML basic string holding `text` exactly (JSON escapes are valid TOML escapes)."""
    return json.dumps(text, ensure_ascii=False)


def listing(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"")
            for p in sorted(folder.rglob("*"))}


def assert_refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2, one `Error:` line, no traceback, no box; each of `words` named in it."""
    text = result.stdout + result.stderr
    assert result.returncode == 2, f"exit {result.returncode}:\n{text}"
    assert "Traceback" not in text and "makegen bug" not in text, text
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.stderr
    assert not BOX & set(result.stderr), result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def assert_no_pwned(*folders: Path) -> None:
    for folder in folders:
        found = [p for p in folder.rglob("*pwned*") if p.name.startswith("pwned")]
        assert not found, f"text in a path was executed: {found}"


# --- case 1: shell and Make special characters in ROOT_DIR, OUTPUT_DIR and the build path ---

CHARS_PIPELINE = """\
[pipeline]
name = "chars"
{output_line}
[params]
s = ["A", "B"]

[task.up]
inputs = ["data/{{s}}.txt"]
outputs = ["up/{{s}}.txt"]
code = ["scripts/up.sh"]
run = "bash scripts/up.sh {{inputs}} > {{outputs}}"

[task.all]
inputs = ["up/{{s}}.txt"]
outputs = ["all.txt"]
run = "cat {{inputs}} > {{outputs}}"
"""


def _chars_project(root: Path, output: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    line = "" if output is None else f"output = {toml_str(output)}"
    (root / "pipeline.toml").write_text(CHARS_PIPELINE.format(output_line=line))
    (root / "data").mkdir()
    (root / "data" / "A.txt").write_text("a\n")
    (root / "data" / "B.txt").write_text("b\n")
    (root / "scripts").mkdir()
    (root / "scripts" / "up.sh").write_text('tr a-z A-Z < "$1"\n')
    return root


def _unexpressible(name: str) -> bool:
    """What Make cannot express in ROOT_DIR/OUTPUT_DIR: white space and :#$%."""
    return bool(re.search(r"[\s:#$%]", name))


FOLDER_NAMES = [
    "R&D",
    "proj(1)",
    "q|r",
    "back\\slash",
    "bob's",
    "a;b",
    'dq"x',
    "tick`x",
    "a&date>pwned&b",
    "café",
    "bob's data",  # white space: refused at build time
    "a:b", "a#b", "a$b", "a%b", "tab\tx",  # Make cannot express these: refused
]


def _works_or_refused(name: str, built: subprocess.CompletedProcess[str], run_in: Path,
                      build_args: tuple[str, ...], results: Path, watch: Path,
                      allow_refusal: bool) -> None:
    if built.returncode != 0 and allow_refusal:
        assert_refused(built)
        return
    assert built.returncode == 0, built.stdout + built.stderr
    ran = mg("run", *build_args, "-j", "2", cwd=run_in)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert (results / "up" / "A.txt").read_text() == "A\n"
    assert (results / "all.txt").read_text() == "A\nB\n"
    assert_no_pwned(watch)


@pytest.mark.parametrize("name", FOLDER_NAMES)
def test_project_folder_with_special_characters_works_or_is_refused_at_build(
        name: str, tmp_path: Path) -> None:
    root = _chars_project(tmp_path / name)
    before = listing(root)
    built = mg("build", cwd=root)
    if _unexpressible(name):
        assert_refused(built)
        assert listing(root) == before, "a refused build writes nothing"
        return
    _works_or_refused(name, built, root, (), root / "results", tmp_path, allow_refusal=False)


BUILD_NAMES = [
    "R&D",
    "proj(1)",
    "q|r",
    "back\\slash",
    "bob's",
    "a;b",
    "a&date>pwned&b",
    "my build",
    "bob's data",
    "a$b",
    "café", "a:b", "a#b", "a%b",
]


@pytest.mark.parametrize("name", BUILD_NAMES)
def test_build_folder_path_with_special_characters_works_or_is_refused_at_build(
        name: str, tmp_path: Path) -> None:
    root = _chars_project(tmp_path / "proj")
    build = tmp_path / name / "build"
    built = mg("build", "-o", str(build), cwd=root)
    _works_or_refused(name, built, root, (str(build),), root / "results", tmp_path,
                      allow_refusal=_unexpressible(name))


OUTPUT_NAMES = [
    "a;b",
    "q|r",
    "back\\slash",
    "R&D", "proj(1)", "bob's", "café", "a&date>pwned&b",
    "my out", "a:b", "a#b", "a$b", "a%b",
]


@pytest.mark.parametrize("name", OUTPUT_NAMES)
def test_output_folder_with_special_characters_works_or_is_refused_at_build(
        name: str, tmp_path: Path) -> None:
    results = tmp_path / name / "results"
    root = _chars_project(tmp_path / "proj", output=str(results))
    before = listing(root)
    built = mg("build", cwd=root)
    if _unexpressible(name):
        assert_refused(built, "output")
        assert listing(root) == before
        return
    _works_or_refused(name, built, root, (), results, tmp_path, allow_refusal=False)


# --- case 2: an output that would overwrite what the pipeline reads ---

def _overwrite_project(root: Path, victim: str) -> Path:
    root.mkdir()
    (root / "samples.txt").write_text("A\n")
    (root / "scripts").mkdir()
    (root / "scripts" / "tool.sh").write_text("cat\n")
    (root / "data").mkdir()
    (root / "data" / "raw.txt").write_text("raw\n")
    output, target = {
        "pipeline": (".", "pipeline.toml"),
        "values": (".", "samples.txt"),
        "code": ("scripts", "tool.sh"),
        "external": ("data", "raw.txt"),
    }[victim]
    (root / "pipeline.toml").write_text(f"""\
[pipeline]
name = "overwrite"
output = "{output}"

[params]
s = {{ file = "samples.txt" }}

[task.clobber]
outputs = ["{target}"]
run = "echo clobbered > {{outputs}}"

[task.use]
inputs = ["data/raw.txt"]
outputs = ["used/{{s}}.txt"]
code = ["scripts/tool.sh"]
run = "bash scripts/tool.sh < {{inputs}} > {{outputs}}"
""")
    return root


@pytest.mark.parametrize("victim", ["pipeline", "values", "code", "external"])
def test_output_overwriting_pipeline_values_code_or_external_input_is_refused(
        victim: str, tmp_path: Path) -> None:
    root = _overwrite_project(tmp_path / "proj", victim)
    before = listing(root)
    assert_refused(mg("check", cwd=root))
    assert_refused(mg("build", cwd=root))
    assert listing(root) == before, "nothing written"


def test_output_root_slash_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pipeline.toml").write_text(
        '[pipeline]\nname = "root"\noutput = "/"\n\n'
        '[task.t]\noutputs = ["makegen-issue-11.txt"]\nrun = "echo x > {outputs}"\n')
    assert_refused(mg("check", cwd=root), "output")
    assert_refused(mg("build", cwd=root), "output")
    assert not (root / "build").exists()


# --- case 3: a `run` bash accepts with -n but that cannot be what the user meant ---

RUNS = {
    "unterminated_heredoc": 'run = """cat > {outputs} <<EOF\nhello"""',
    "trailing_backslash": "run = 'echo hi > {outputs} \\'",
    "only_a_comment": "run = '# echo hi > {outputs}'",
}


@pytest.mark.parametrize("kind", sorted(RUNS))
def test_run_with_unterminated_heredoc_trailing_backslash_or_only_comment_is_refused(
        kind: str, tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pipeline.toml").write_text(
        f'[pipeline]\nname = "runs"\n\n[task.t]\noutputs = ["a.txt"]\n{RUNS[kind]}\n')
    assert_refused(mg("check", cwd=root), "run")
    assert_refused(mg("build", cwd=root), "run")
    assert not (root / "build").exists()


# --- case 4: tracebacks and bare tool errors ---

SMALL = """\
[pipeline]
name = "small"

[params]
s = ["A", "B"]

[task.t]
outputs = ["{{s}}.txt"]
run = "echo {{s}} > {{outputs}}"
resources = {{ cores = 1, mem = "1G"{extra} }}
"""


def _small(tmp_path: Path, extra: str = "") -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pipeline.toml").write_text(SMALL.format(extra=extra))
    return root


def test_unbalanced_quote_in_resources_extra_slurm_is_an_error_not_a_traceback(
        tmp_path: Path) -> None:
    root = _small(tmp_path, extra=", extra = { slurm = \"--comment='x\" }")
    built = mg("build", cwd=root)
    if built.returncode != 0:  # refusing it at build time is as good
        assert_refused(built, "extra")
        return
    assert_refused(mg("submit", "--backend", "slurm", "--print", cwd=root))


def test_unbalanced_quote_in_submit_extra_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    root = _small(tmp_path)
    assert mg("build", cwd=root).returncode == 0
    assert_refused(mg("submit", "--backend", "slurm", "--print", "--extra", "--comment='x",
                      cwd=root), "extra")


def test_status_of_build_missing_its_params_file_is_an_error_not_a_traceback(
        tmp_path: Path) -> None:
    root = _small(tmp_path)
    assert mg("build", cwd=root).returncode == 0
    (root / "build" / "params" / "s.txt").unlink()
    assert_refused(mg("status", cwd=root))


GARBAGE = [("phase", "x"), ("phase", None), ("outputs", 5), ("outputs", [5]),
           ("resources", "x"), ("name", 5), ("hash", 5), ("inputs", 5), ("after", 5),
           ("code", 5), ("foreach", [5])]


@pytest.mark.parametrize(("key", "value"), GARBAGE, ids=[f"{k}={v!r}" for k, v in GARBAGE])
def test_status_of_build_with_garbage_task_entry_in_graph_json_is_an_error_not_a_traceback(
        key: str, value: object, tmp_path: Path) -> None:
    root = _small(tmp_path)
    assert mg("build", cwd=root).returncode == 0
    graph = root / "build" / "graph.json"
    data = json.loads(graph.read_text())
    data["tasks"][0][key] = value
    graph.write_text(json.dumps(data))
    assert_refused(mg("status", cwd=root))


def test_local_submit_with_missing_manifest_is_an_error_not_a_bare_sed_message(
        tmp_path: Path) -> None:
    root = _small(tmp_path)
    assert mg("build", cwd=root).returncode == 0
    for manifest in (root / "build" / "manifests").rglob("*.txt"):
        manifest.unlink()
    result = mg("submit", "--backend", "local", cwd=root)
    assert_refused(result, "manifest")
    assert "sed:" not in result.stderr


# --- case 5: phase, NUL, byte-order marks ---

ONE_TASK = '[pipeline]\nname = "one"\n{vars}\n[task.t]\noutputs = ["a.txt"]\nrun = "echo ${{X}} > {{outputs}}"\n{phase}\n'


def _one(tmp_path: Path, *, phase: str = "", vars_: str = '[vars]\nX = "x"') -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pipeline.toml").write_text(ONE_TASK.format(phase=phase, vars=vars_))
    return root


def test_phase_beyond_the_number_of_tasks_is_refused(tmp_path: Path) -> None:
    root = _one(tmp_path, phase="phase = 3")
    assert_refused(mg("check", cwd=root), "phase")


def test_huge_phase_is_refused_quickly_and_in_little_memory(tmp_path: Path) -> None:
    root = _one(tmp_path, phase="phase = 100000000")
    try:
        result = mg("check", cwd=root, timeout=8, limit_mb=1024)
    except subprocess.TimeoutExpired:
        pytest.fail("check ran for more than 8 s")
    assert_refused(result, "phase")


def test_nul_in_var_value_is_refused(tmp_path: Path) -> None:
    root = _one(tmp_path, vars_='[vars]\nX = "ab\\u0000cd"')
    assert_refused(mg("check", cwd=root), "X")
    assert_refused(mg("build", cwd=root), "X")


BOM_VALUES = """\
[pipeline]
name = "bom"

[params]
s = { file = "samples.txt" }

[task.t]
outputs = ["out/{s}.txt"]
run = "echo {s} > {outputs}"
"""


def test_values_file_with_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pipeline.toml").write_text(BOM_VALUES)
    (root / "samples.txt").write_bytes(b"\xef\xbb\xbfA\nB\n")
    built = mg("build", cwd=root)
    assert built.returncode == 0, built.stderr
    ran = mg("run", cwd=root)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert sorted(p.name for p in (root / "results" / "out").iterdir()) == ["A.txt", "B.txt"]
    assert (root / "results" / "out" / "A.txt").read_text() == "A\n"


def test_pipeline_with_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pipeline.toml").write_bytes(b"\xef\xbb\xbf" + BOM_VALUES.encode())
    (root / "samples.txt").write_text("A\nB\n")
    assert mg("build", cwd=root).returncode == 0


# --- case 6: memory sizes ---

MEM_CASES = [
    pytest.param('"1000"', 1000),
    pytest.param("1000", 1000),
    pytest.param('"2M"', 2), pytest.param('"2MB"', 2),
    pytest.param('"2MiB"', 2),
    pytest.param('"2G"', 2048), pytest.param('"2GB"', 2048),
    pytest.param('"2GiB"', 2048),
    pytest.param('"2T"', 2 * 1024 * 1024), pytest.param('"2TB"', 2 * 1024 * 1024),
    pytest.param('"2TiB"', 2 * 1024 * 1024), pytest.param('"2048KiB"', 2),
    pytest.param('"2048K"', 2), pytest.param('"1 GB"', 1024), pytest.param("4096", 4096),
]
UNIT_MB = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}


@pytest.mark.parametrize(("mem", "megabytes"), MEM_CASES)
def test_mem_units_and_bare_numbers_mean_megabytes_in_slurm_script(
        mem: str, megabytes: int, tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "pipeline.toml").write_text(
        '[pipeline]\nname = "mem"\n\n[task.t]\noutputs = ["a.txt"]\n'
        f'run = "echo x > {{outputs}}"\nresources = {{ mem = {mem} }}\n')
    built = mg("build", cwd=root)
    assert built.returncode == 0, built.stderr
    printed = mg("submit", "--backend", "slurm", "--print", cwd=root)
    assert printed.returncode == 0, printed.stderr
    flags = re.findall(r"--mem=(\d+)([KMGT]?)\b", printed.stdout)
    assert flags, printed.stdout
    for number, unit in flags:
        assert int(number) * UNIT_MB[unit or "M"] == megabytes, printed.stdout


# --- case 7: argument errors from the command-line library ---

ARG_ERRORS = {
    "run_jobs_zero": ("run", "-j", "0"),
    "submit_without_backend": ("submit",),
    "unknown_command": ("frobnicate",),
}


@pytest.mark.parametrize("name", sorted(ARG_ERRORS))
def test_argument_error_is_one_error_line_without_box(name: str, tmp_path: Path) -> None:
    root = _small(tmp_path)
    assert mg("build", cwd=root).returncode == 0
    assert_refused(mg(*ARG_ERRORS[name], cwd=root))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


def test_the_example_pipeline_runs_from_a_folder_named_with_every_shell_character(tmp_path: Path) -> None:
    """Case 1 end to end on the project's own example: shell and Make characters in the
    project folder and in the build folder's path, and nothing in them is ever executed."""
    import shutil

    from installed import REPO

    folder = tmp_path / "R&D" / "café'q|r(1)&date>pwned&b\\x;y`z`"
    shutil.copytree(REPO / "example_pipeline", folder, ignore=shutil.ignore_patterns("build", "results"))
    exe = str(makegen())
    build = tmp_path / "b;uild|x&date>pwned2"
    for args in (["build", "-o", str(build)], ["run", str(build), "-j", "2"], ["status", str(build)]):
        result = subprocess.run([exe, *args], cwd=folder, capture_output=True, text=True, env=clean_env(),
                                check=False)
        assert result.returncode == 0, f"{args}: {result.stdout}\n{result.stderr}"
    assert "26 instances: 26 done" in result.stdout
    assert (folder / "results" / "summary" / "samples.tsv").read_text().count("\n") >= 6
    assert not list(tmp_path.rglob("pwned*")) and not (folder / "pwned").exists()
