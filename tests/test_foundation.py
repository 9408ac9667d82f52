"""The record, the schema, format detection and cell text: the parts every reader shares."""

import subprocess
import sys
from pathlib import Path

import pytest

from extract.detect import detect_format
from extract.errors import UnreadableDocument
from extract.profiles import load_profiles, match_header, row_to_fields
from extract.record import Fields, Row, record_id, to_records
from extract.text import join_lines
from workers.schema import schema_text

ROOT = Path(__file__).resolve().parent.parent


def test_committed_schema_is_current():
    committed = (ROOT / "schema" / "record.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "schema is stale: run `drr schema -o schema/record.schema.json`"


def test_record_id_depends_on_document_and_row_only():
    assert record_id("a" * 64, 3) == record_id("a" * 64, 3)
    assert len({record_id("a" * 64, 3), record_id("a" * 64, 4), record_id("b" * 64, 3)}) == 3


def test_records_are_numbered_in_row_order():
    rows = [Row(fields=Fields(row_id=str(i)), layout="t") for i in range(3)]
    records = to_records(rows, "c" * 64, "x.txt", "text")
    assert [r.source.row_index for r in records] == [0, 1, 2]
    assert [r.fields.row_id for r in records] == ["0", "1", "2"]


@pytest.mark.parametrize(
    "lines, joined",
    [
        (["Non-", "", "Sensitive"], "Non-Sensitive"),
        (["CAG 7-07(b)/2013, CAG 7-", "07(c)/2013"], "CAG 7-07(b)/2013, CAG 7-07(c)/2013"),
        (["Health and Social Care Act ", "2012."], "Health and Social Care Act 2012."),
        (["including: -", "Physical"], "including: - Physical"),
        (["  a   b ", "", "c"], "a b c"),
    ],
)
def test_join_lines_undoes_wrapping(lines, joined):
    assert join_lines(lines) == joined


@pytest.mark.parametrize(
    "data, name, fmt",
    [
        (b"%PDF-1.4\n...", "r.pdf", "pdf"),
        (b"a,b,c\n1,2,3\n4,5,6\n", "r.csv", "csv"),
        (b"<!DOCTYPE html><html><body>x</body></html>", "r.html", "html"),
        (b" 1 Monitor\n\nCasemix HES data\n", "r.txt", "text"),
    ],
)
def test_detect_format_from_bytes(data, name, fmt):
    assert detect_format(data, name) == fmt


@pytest.mark.parametrize(
    "data, name, reason",
    [
        (b"", "empty.txt", "empty"),
        (b"  \n\n", "blank.txt", "empty"),
        (bytes(range(256)) * 64, "junk.bin", "binary"),
        (b"Row ID Organisation\n1 Monitor\n", "register.pdf", "named .pdf"),
        (b"PK\x03\x04garbage", "r.xlsx", "damaged zip"),
    ],
)
def test_detect_format_refuses_bad_input_with_a_reason(data, name, reason):
    with pytest.raises(UnreadableDocument, match=reason):
        detect_format(data, name)


def test_profiles_map_headers_and_keep_unknown_columns():
    match = match_header(["Row ID", "Organisation Name", "Type of Data Provided", "Purpose", "Colour"])
    assert match is not None
    fields = row_to_fields(match, ["7", "NHS England -\nCSUs", "SUS", "Invoice\nvalidation", "blue"])
    assert fields.organisation == "NHS England - CSUs"
    assert fields.purpose == "Invoice validation"
    assert fields.extra == {"Colour": "blue"}


def test_every_profile_names_only_record_fields():
    assert {p.name for p in load_profiles()} >= {"generic", "hscic-2014"}


def test_cli_help_lists_every_command():
    out = subprocess.run(
        [sys.executable, "-m", "workers.cli", "--help"], capture_output=True, text=True, check=True
    ).stdout
    for command in ("extract", "process", "enrich", "schema", "train", "evaluate"):
        assert command in out
