"""The command line as a user meets it: real files in, JSON Lines out, clear errors."""

import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "corpora" / "samples" / "hscic-2014-sample.txt"


def drr(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", *args], input=stdin, capture_output=True, cwd=ROOT,
        check=False,
    )


def zip_bomb(path: Path) -> None:
    """An XLSX-looking zip whose one sheet inflates 50 MB of zeros from a few KB."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            for _ in range(50):
                member.write(b"\0" * 1024 * 1024)


@pytest.fixture
def bad_inputs(tmp_path: Path) -> list[Path]:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "junk.bin").write_bytes(bytes(range(256)) * 100)
    (tmp_path / "register.pdf").write_text("Row ID Organisation Name\n1 Monitor\n")
    (tmp_path / "colours.csv").write_text("colour,shape,size\nred,round,3\nblue,square,4\n")
    zip_bomb(tmp_path / "bomb.xlsx")
    return sorted(tmp_path.iterdir())


def test_bad_inputs_fail_alone_with_one_clear_line_each(bad_inputs, tmp_path):
    out = tmp_path / "out.jsonl"
    result = drr("extract", str(SAMPLE), *map(str, bad_inputs), "-o", str(out))
    stderr = result.stderr.decode()
    assert result.returncode == 1
    assert "Traceback" not in stderr
    errors = [line for line in stderr.splitlines() if not re.match(r"drr: \[\d+/\d+\]", line)]
    assert len(errors) == len(bad_inputs), stderr
    for path in bad_inputs:
        assert any(line.startswith(f"drr: {path}: ") and len(line) > len(str(path)) + 12 for line in errors)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 61, "the good file still comes out"


def test_extract_is_byte_identical_across_runs():
    first = drr("extract", str(SAMPLE))
    second = drr("extract", str(SAMPLE))
    assert first.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    ids = [json.loads(line)["record_id"] for line in first.stdout.splitlines()]
    assert len(set(ids)) == len(ids) == 61


def test_stdin_and_stdout_dash():
    result = drr("extract", "-", stdin=SAMPLE.read_bytes())
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout.splitlines()[0])
    assert record["source"]["filename"] == "stdin"
    assert record["source"]["format"] == "text"


def test_progress_for_multi_file_runs_goes_to_stderr(tmp_path):
    copy = tmp_path / "copy.txt"
    copy.write_bytes(SAMPLE.read_bytes())
    result = drr("extract", str(SAMPLE), str(copy), "-o", str(tmp_path / "o.jsonl"))
    assert result.returncode == 0
    assert "[2/2] copy.txt: 61 records" in result.stderr.decode()


def test_enrich_reports_bad_lines_and_keeps_going(tmp_path):
    extracted = drr("extract", str(SAMPLE)).stdout.splitlines()
    bad = b"\n".join([extracted[0], b"{not json", b'{"no": "fields"}', extracted[1]]) + b"\n"
    result = drr("enrich", stdin=bad)
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert "-:2: not an extracted record" in stderr and "-:3: not an extracted record" in stderr
    assert len(result.stdout.splitlines()) == 2


def test_every_command_and_setting_is_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    from workers.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    for command in sub.choices:
        assert f"drr {command}" in readme, f"`drr {command}` is not documented in README.md"
    settings = (ROOT / "workers" / "settings.py").read_text()
    for name in set(re.findall(r'"(DRR_[A-Z_]+)"', settings)):
        assert name in readme, f"{name} is not documented in README.md"


def test_enrich_refuses_bad_records_one_line_each_and_keeps_the_rest(tmp_path):
    good = drr("extract", str(SAMPLE)).stdout.splitlines()[0]
    newer = json.loads(good)
    newer["fields"]["added_by_a_newer_drr"] = "kept"
    lines = [
        good,
        json.dumps({"fields": {"row_id": 25}}).encode(),  # not text
        json.dumps(newer).encode(),
        json.dumps({**json.loads(good), "warnings": "one warning"}).encode(),
    ]
    result = drr("enrich", stdin=b"\n".join(lines) + b"\n")
    assert result.returncode == 1
    assert "-:2: not an extracted record" in result.stderr.decode()
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 3
    assert out[1]["fields"]["added_by_a_newer_drr"] == "kept"
    assert out[2]["warnings"] == ["one warning"]


@pytest.mark.parametrize(
    "args, reason",
    [
        (["enrich", "-i", "/nonexistent/in.jsonl"], "No such file"),
        (["extract", str(SAMPLE), "-o", "/proc/nope/out.jsonl"], "/proc/nope"),
    ],
)
def test_unreadable_input_or_unwritable_output_is_one_line_not_a_traceback(args, reason):
    result = drr(*args)
    stderr = result.stderr.decode()
    assert result.returncode == 1
    assert "Traceback" not in stderr and reason in stderr


def test_non_utf8_enrich_input_is_refused_with_a_reason(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(b'{"fields": {"purpose": "caf\xe9"}}\n')
    result = drr("enrich", "-i", str(bad))
    assert result.returncode == 1
    assert "not UTF-8 text" in result.stderr.decode()


def test_a_second_run_over_a_folder_does_not_read_its_own_output(tmp_path):
    folder = tmp_path / "registers"
    folder.mkdir()
    (folder / "a.txt").write_bytes(SAMPLE.read_bytes())
    for _ in range(2):
        result = drr("extract", str(folder), "-o", str(folder / "out.jsonl"))
        assert result.returncode == 0, result.stderr
    assert len((folder / "out.jsonl").read_text().splitlines()) == 61
